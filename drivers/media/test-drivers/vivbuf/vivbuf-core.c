// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: a virtual V4L2 driver whose buffers are dma-bufs.
 *
 * Module parameters, instances and their platform devices. Every instance
 * is a platform device "vivbuf" with a 64-bit DMA mask, so that buffer
 * mappings go through the DMA API (and its debug checks) as they would on
 * real hardware, and carries one V4L2 device with its video nodes.
 */

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"
#include "vivbuf-m2m.h"

static unsigned int instances = 2;
module_param(instances, uint, 0444);
MODULE_PARM_DESC(instances, " number of instances to create, 1-8 (default 2)");

static unsigned int multiplanar[VIVBUF_MAX_INSTANCES] = { [1] = 1 };
module_param_array(multiplanar, uint, NULL, 0444);
MODULE_PARM_DESC(multiplanar,
		 " per instance: 0 = single-planar, 1 = multi-planar capture API (default 0,1,0,...)");

static unsigned int mem_types = VIVBUF_MEM_ALL;
module_param(mem_types, uint, 0444);
MODULE_PARM_DESC(mem_types,
		 " bitmask of memory types: 1 = MMAP (and EXPBUF), 2 = DMABUF import (default 3)");

static struct platform_device *vivbuf_pdevs[VIVBUF_MAX_INSTANCES];

/**
 * struct vivbuf_unplug - the disconnect of an instance (error injection)
 * @work: unbinds the instance from the driver when it runs
 * @pdev: the instance's platform device
 *
 * One per instance, for the module's lifetime rather than the binding's:
 * the work calls the driver's remove, which therefore must not wait for
 * it, and an instance's struct vivbuf_dev may be gone when it runs.
 */
struct vivbuf_unplug {
	struct delayed_work work;
	struct platform_device *pdev;
};

static struct vivbuf_unplug vivbuf_unplugs[VIVBUF_MAX_INSTANCES];

/*
 * Called when the last reference to the V4L2 device is dropped: by remove,
 * or later by the last close() of a video node that was open at remove.
 */
static void vivbuf_dev_release(struct v4l2_device *v4l2_dev)
{
	struct vivbuf_dev *dev = container_of(v4l2_dev, struct vivbuf_dev,
					      v4l2_dev);

	vivbuf_output_free(dev);
	vivbuf_capture_free(dev);
	vivbuf_loopback_destroy(&dev->loop);
	v4l2_device_unregister(&dev->v4l2_dev);
	kfree(dev);
}

/*
 * A hot-unplug: the same as unbinding the device through sysfs. Open files
 * get ENODEV from then on, exported buffers stay valid until their last
 * user lets go (the lifetime rules of the allocator).
 */
static void vivbuf_unplug_work(struct work_struct *work)
{
	struct vivbuf_unplug *unplug = container_of(to_delayed_work(work),
						    struct vivbuf_unplug, work);
	struct platform_device *pdev = READ_ONCE(unplug->pdev);

	dev_info(&pdev->dev, "error injection: disconnect\n");
	device_release_driver(&pdev->dev);
}

/**
 * vivbuf_schedule_disconnect() - unplug an instance later
 * @dev: the instance
 * @delay_ms: in how many milliseconds; 0 cancels a pending disconnect
 *
 * The work runs outside any lock of the caller, so a control can ask for
 * it. Any context that may sleep.
 */
void vivbuf_schedule_disconnect(struct vivbuf_dev *dev, unsigned int delay_ms)
{
	struct vivbuf_unplug *unplug = &vivbuf_unplugs[dev->instance];

	if (!delay_ms) {
		cancel_delayed_work(&unplug->work);
		return;
	}
	WRITE_ONCE(unplug->pdev, dev->pdev);
	mod_delayed_work(system_wq, &unplug->work, msecs_to_jiffies(delay_ms));
}

/**
 * vivbuf_disconnect_pending_ms() - time left until a scheduled disconnect
 * @dev: the instance
 *
 * Return: milliseconds, at least 1 while a disconnect is pending; 0 if
 * none is.
 */
unsigned int vivbuf_disconnect_pending_ms(struct vivbuf_dev *dev)
{
	struct delayed_work *work = &vivbuf_unplugs[dev->instance].work;
	long left;

	if (!delayed_work_pending(work))
		return 0;
	left = (long)(READ_ONCE(work->timer.expires) - jiffies);
	return left > 0 ? max(jiffies_to_msecs(left), 1U) : 1;
}

/**
 * vivbuf_map_planes() - the device's view of a buffer, mapped early
 * @vb: a buffer being prepared (buf_prepare)
 *
 * vivbuf's device is the CPU. It reads and writes frames where a DMA
 * engine would, at the buffer's DMA addresses
 * (vb2_dmabuf_plane_device_vaddr()), so that only the DMA API's syncs carry
 * them to and from the CPU's view, as on hardware: with bounce buffers
 * (swiotlb=force) a missing sync shows as a wrong frame. The first call
 * maps (allocates), which the device side must not do once the buffer's
 * fence is published; later calls only read the kept mapping.
 *
 * Return: 0, or -ENOMEM if a plane cannot be mapped.
 */
int vivbuf_map_planes(struct vb2_buffer *vb)
{
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++)
		if (!vb2_dmabuf_plane_device_vaddr(vb, p))
			return -ENOMEM;
	return 0;
}

static int vivbuf_probe(struct platform_device *pdev)
{
	struct vivbuf_dev *dev;
	int ret;

	/* Only the devices created by this module are valid instances */
	if (pdev->id < 0 || pdev->id >= VIVBUF_MAX_INSTANCES)
		return -ENODEV;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot set DMA mask\n");
	/*
	 * A virtual device has no segment limit; without this the DMA API
	 * keeps the 64 KiB default and rejects the 1 MiB segments of the
	 * system dma-heap's buffers that userspace asks us to import.
	 * (It cannot fail for a platform device, which has dma_parms.)
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	dev = kzalloc_obj(*dev, GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->pdev = pdev;
	dev->instance = pdev->id;
	vivbuf_loopback_init(&dev->loop);
	platform_set_drvdata(pdev, dev);

	ret = v4l2_device_register(&pdev->dev, &dev->v4l2_dev);
	if (ret)
		goto free_dev;
	dev->v4l2_dev.release = vivbuf_dev_release;

	ret = vivbuf_capture_init(dev, multiplanar[dev->instance], mem_types);
	if (ret)
		goto unregister_v4l2;

	ret = vivbuf_output_init(dev, multiplanar[dev->instance], mem_types);
	if (ret)
		goto free_capture;

	ret = vivbuf_node_register(&dev->cap.node);
	if (ret)
		goto free_output;

	ret = vivbuf_node_register(&dev->out.node);
	if (ret)
		goto unregister_capture;

	ret = vivbuf_m2m_register(dev, multiplanar[dev->instance], mem_types);
	if (ret)
		goto unregister_output;

	return 0;

unregister_output:
	vivbuf_node_unregister(&dev->out.node);
unregister_capture:
	/*
	 * The nodes may be open already: undo as remove does, the last
	 * reference frees the instance.
	 */
	vivbuf_node_unregister(&dev->cap.node);
	v4l2_device_put(&dev->v4l2_dev);
	return ret;

free_output:
	vivbuf_output_free(dev);
free_capture:
	vivbuf_capture_free(dev);
unregister_v4l2:
	v4l2_device_unregister(&dev->v4l2_dev);
free_dev:
	vivbuf_loopback_destroy(&dev->loop);
	kfree(dev);
	return ret;
}

/*
 * Files may still be open: the nodes are unregistered (stopping any
 * streaming), and the instance is freed by vivbuf_dev_release() once the
 * last of them is closed.
 */
static void vivbuf_remove(struct platform_device *pdev)
{
	struct vivbuf_dev *dev = platform_get_drvdata(pdev);

	/*
	 * A disconnect asked for earlier must not unplug the next binding.
	 * Not waited for: this may be that disconnect.
	 */
	cancel_delayed_work(&vivbuf_unplugs[dev->instance].work);
	vivbuf_m2m_unregister(dev);
	vivbuf_node_unregister(&dev->out.node);
	vivbuf_node_unregister(&dev->cap.node);
	v4l2_device_put(&dev->v4l2_dev);
}

VB2_DMABUF_COMPAT_PLATFORM_REMOVE(vivbuf_remove)

static struct platform_driver vivbuf_driver = {
	.probe = vivbuf_probe,
	.remove = vivbuf_remove_compat,
	.driver = {
		.name = VIVBUF_NAME,
	},
};

static int vivbuf_check_params(void)
{
	unsigned int i;

	if (instances < 1 || instances > VIVBUF_MAX_INSTANCES) {
		pr_err(VIVBUF_NAME ": instances must be 1..%u\n",
		       VIVBUF_MAX_INSTANCES);
		return -EINVAL;
	}
	for (i = 0; i < instances; i++) {
		if (multiplanar[i] > 1) {
			pr_err(VIVBUF_NAME ": multiplanar[%u] must be 0 or 1\n",
			       i);
			return -EINVAL;
		}
	}
	if (!mem_types || (mem_types & ~VIVBUF_MEM_ALL)) {
		pr_err(VIVBUF_NAME ": mem_types must be 1, 2 or 3\n");
		return -EINVAL;
	}
	return 0;
}

static void vivbuf_destroy_instances(unsigned int count)
{
	unsigned int i;

	/*
	 * No file is open (each holds the module), so nothing arms a
	 * disconnect any more; one that runs now unbinds before the
	 * instances go.
	 */
	for (i = 0; i < VIVBUF_MAX_INSTANCES; i++)
		cancel_delayed_work_sync(&vivbuf_unplugs[i].work);
	while (count--) {
		platform_device_unregister(vivbuf_pdevs[count]);
		vivbuf_pdevs[count] = NULL;
	}
}

static int __init vivbuf_init(void)
{
	struct platform_device *pdev;
	unsigned int i;
	int ret;

	ret = vivbuf_check_params();
	if (ret)
		return ret;

	for (i = 0; i < VIVBUF_MAX_INSTANCES; i++)
		INIT_DELAYED_WORK(&vivbuf_unplugs[i].work, vivbuf_unplug_work);

	ret = platform_driver_register(&vivbuf_driver);
	if (ret)
		return ret;

	for (i = 0; i < instances; i++) {
		pdev = platform_device_register_simple(VIVBUF_NAME, i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto destroy_instances;
		}
		vivbuf_pdevs[i] = pdev;
	}
	return 0;

destroy_instances:
	vivbuf_destroy_instances(i);
	platform_driver_unregister(&vivbuf_driver);
	return ret;
}

static void __exit vivbuf_exit(void)
{
	vivbuf_destroy_instances(instances);
	platform_driver_unregister(&vivbuf_driver);
}

module_init(vivbuf_init);
module_exit(vivbuf_exit);

MODULE_DESCRIPTION("Virtual V4L2 driver with dma-buf backed buffers");
MODULE_LICENSE("GPL");
