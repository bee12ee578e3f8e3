// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: error injection.
 *
 * Every capture and output node has the controls of the class
 * VIVBUF_CTRL_CLASS_INJECT (vivbuf-controls.h). Each error control holds
 * a count: writing N arms the next N operations of its kind to fail,
 * writing 0 disarms it, and reading it gives the count still armed (the
 * controls are volatile, and executed on every write, so that writing the
 * same count again arms it again). The disconnect control unplugs the
 * whole instance after a delay (vivbuf-core.c). On kernels with lockdep,
 * capture nodes have one more: a count of frames that break the dma-fence
 * signalling rules on purpose (vivbuf_inject_signalling_breach()).
 *
 * Why counts rather than buttons: v4l2-compliance writes every writable
 * control, and a button cannot be unpressed. It writes an integer
 * control's maximum and then its default value, so a count it arms is
 * disarmed again before it does anything else with the device.
 */

#include <linux/slab.h>
#include <media/v4l2-ctrls.h>
#include <media/videobuf2-core.h>

#include "vivbuf.h"
#include "vivbuf-controls.h"

static int vivbuf_inject_g_volatile_ctrl(struct v4l2_ctrl *ctrl)
{
	struct vivbuf_inject *inj = ctrl->priv;
	unsigned int kind = ctrl->id - VIVBUF_CID_INJECT_BASE;

	if (ctrl->id == VIVBUF_CID_DISCONNECT)
		ctrl->val = vivbuf_disconnect_pending_ms(inj->dev);
	else if (ctrl->id == VIVBUF_CID_SIGNALLING_BREACHES)
		ctrl->val = atomic_read(&inj->breaches);
	else if (kind < VIVBUF_INJECT_KINDS)
		ctrl->val = atomic_read(&inj->pending[kind]);
	else
		return -EINVAL;
	return 0;
}

/* Called with the handler's lock held: arms, nothing more. */
static int vivbuf_inject_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct vivbuf_inject *inj = ctrl->priv;
	unsigned int kind = ctrl->id - VIVBUF_CID_INJECT_BASE;

	if (ctrl->id == VIVBUF_CID_DISCONNECT)
		vivbuf_schedule_disconnect(inj->dev, ctrl->val);
	else if (ctrl->id == VIVBUF_CID_SIGNALLING_BREACHES)
		atomic_set(&inj->breaches, ctrl->val);
	else if (kind < VIVBUF_INJECT_KINDS)
		atomic_set(&inj->pending[kind], ctrl->val);
	else
		return -EINVAL;
	return 0;
}

static const struct v4l2_ctrl_ops vivbuf_inject_ctrl_ops = {
	.g_volatile_ctrl = vivbuf_inject_g_volatile_ctrl,
	.s_ctrl = vivbuf_inject_s_ctrl,
};

static const struct v4l2_ctrl_config vivbuf_inject_class = {
	.ops = &vivbuf_inject_ctrl_ops,
	.id = VIVBUF_CID_INJECT_CLASS,
	.name = "Vivbuf Error Injection",
	.type = V4L2_CTRL_TYPE_CTRL_CLASS,
	.flags = V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY,
};

#define VIVBUF_INJECT_CTRL(_id, _name, _max)				\
	{								\
		.ops = &vivbuf_inject_ctrl_ops,				\
		.id = (_id),						\
		.name = (_name),					\
		.type = V4L2_CTRL_TYPE_INTEGER,				\
		.max = (_max),						\
		.step = 1,						\
		.flags = V4L2_CTRL_FLAG_VOLATILE |			\
			 V4L2_CTRL_FLAG_EXECUTE_ON_WRITE,		\
	}

static const struct v4l2_ctrl_config vivbuf_inject_ctrls[] = {
	VIVBUF_INJECT_CTRL(VIVBUF_CID_QBUF_ERRORS, "QBUF Errors",
			   VIVBUF_INJECT_MAX_COUNT),
	VIVBUF_INJECT_CTRL(VIVBUF_CID_DQBUF_ERRORS, "DQBUF Errors",
			   VIVBUF_INJECT_MAX_COUNT),
	VIVBUF_INJECT_CTRL(VIVBUF_CID_STREAMON_ERRORS, "STREAMON Errors",
			   VIVBUF_INJECT_MAX_COUNT),
	VIVBUF_INJECT_CTRL(VIVBUF_CID_BUFFER_ERRORS, "Buffer Errors",
			   VIVBUF_INJECT_MAX_COUNT),
	VIVBUF_INJECT_CTRL(VIVBUF_CID_ALLOC_ERRORS, "Allocation Errors",
			   VIVBUF_INJECT_MAX_COUNT),
	VIVBUF_INJECT_CTRL(VIVBUF_CID_DISCONNECT, "Disconnect Delay (ms)",
			   VIVBUF_INJECT_MAX_DELAY_MS),
};

/**
 * vivbuf_inject_add_controls() - add the error injection controls of a node
 * @inj: the node's injection state, zeroed (nothing armed)
 * @dev: the instance of the node
 * @hdl: the node's control handler, with room for
 *	 %VIVBUF_INJECT_NUM_CTRLS more controls
 *
 * Errors are left in @hdl, as v4l2_ctrl_new_custom() does.
 *
 * Return: the handler's error, 0 or a negative errno.
 */
int vivbuf_inject_add_controls(struct vivbuf_inject *inj,
			       struct vivbuf_dev *dev,
			       struct v4l2_ctrl_handler *hdl)
{
	unsigned int i;

	inj->dev = dev;
	/* The class first: the framework cannot name an unknown class */
	v4l2_ctrl_new_custom(hdl, &vivbuf_inject_class, inj);
	for (i = 0; i < ARRAY_SIZE(vivbuf_inject_ctrls); i++)
		v4l2_ctrl_new_custom(hdl, &vivbuf_inject_ctrls[i], inj);
	return hdl->error;
}

static const struct v4l2_ctrl_config vivbuf_inject_breach_ctrl =
	VIVBUF_INJECT_CTRL(VIVBUF_CID_SIGNALLING_BREACHES,
			   "Fence Signalling Breaches", VIVBUF_INJECT_MAX_COUNT);

/**
 * vivbuf_inject_add_breach_control() - add the signalling breach control
 * @inj: the node's injection state, set up by vivbuf_inject_add_controls()
 * @hdl: the node's control handler, as for vivbuf_inject_add_controls()
 *
 * Only on kernels with lockdep (CONFIG_PROVE_LOCKING): elsewhere a breach
 * proves nothing and could only do harm. For nodes whose device work calls
 * vivbuf_inject_signalling_breach(). Errors are left in @hdl.
 */
void vivbuf_inject_add_breach_control(struct vivbuf_inject *inj,
				      struct v4l2_ctrl_handler *hdl)
{
	if (IS_ENABLED(CONFIG_PROVE_LOCKING))
		v4l2_ctrl_new_custom(hdl, &vivbuf_inject_breach_ctrl, inj);
}

/**
 * vivbuf_inject_signalling_breach() - break the fence rules, if armed
 * @inj: the node's injection state
 *
 * Called by the device's per-frame work inside its fence-signalling
 * section (dma_fence_begin_signalling()). When a breach is armed, it
 * allocates memory with GFP_KERNEL there: direct reclaim may wait for
 * dma-fences, the ones this section must signal among them, which is the
 * deadlock the dma-fence rules forbid. Lockdep knows that reclaim waits
 * for fences (dma-resv primes it at boot), so it must report the breach:
 * tests/lockdep proves that it does, i.e. that the section is annotated
 * and watched. The allocation itself is small and freed at once.
 */
void vivbuf_inject_signalling_breach(struct vivbuf_inject *inj)
{
	if (!IS_ENABLED(CONFIG_PROVE_LOCKING) ||
	    atomic_dec_if_positive(&inj->breaches) < 0)
		return;
	dev_info(&inj->dev->pdev->dev,
		 "error injection: a GFP_KERNEL allocation on the fence-signalling path\n");
	kfree(kmalloc(64, GFP_KERNEL));
}

/**
 * vivbuf_inject_take() - whether an operation fails by injection
 * @inj: the node's injection state
 * @kind: what the operation is
 *
 * Counts one armed error of @kind down, if there is one. Any context.
 *
 * Return: true if the operation must fail.
 */
bool vivbuf_inject_take(struct vivbuf_inject *inj,
			enum vivbuf_inject_kind kind)
{
	static const char * const names[VIVBUF_INJECT_KINDS] = {
		[VIVBUF_INJECT_QBUF] = "QBUF",
		[VIVBUF_INJECT_DQBUF] = "DQBUF",
		[VIVBUF_INJECT_STREAMON] = "STREAMON",
		[VIVBUF_INJECT_BUFFER] = "buffer",
		[VIVBUF_INJECT_ALLOC] = "allocation",
	};

	if (atomic_dec_if_positive(&inj->pending[kind]) < 0)
		return false;
	dev_info_ratelimited(&inj->dev->pdev->dev,
			     "error injection: %s error\n", names[kind]);
	return true;
}

/**
 * vivbuf_inject_queue_setup() - the allocation part of queue_setup
 * @inj: the node's injection state
 * @q: the queue being set up, by REQBUFS or CREATE_BUFS (its memory type
 *     is set)
 *
 * Decides whether this allocation fails. MMAP buffers fail late, in
 * buf_init (vivbuf_inject_buf_init()), after the allocator has allocated
 * their memory, so that the unwinding of vb2 and of the allocator is what
 * is exercised. The other memory types allocate nothing, so they fail
 * here. Called under the queue lock.
 *
 * Return: 0, or -ENOMEM when the request fails here.
 */
int vivbuf_inject_queue_setup(struct vivbuf_inject *inj, struct vb2_queue *q)
{
	inj->refuse_alloc = vivbuf_inject_take(inj, VIVBUF_INJECT_ALLOC);
	if (inj->refuse_alloc && q->memory != VB2_MEMORY_MMAP)
		return -ENOMEM;
	return 0;
}

/**
 * vivbuf_inject_buf_init() - buf_init of an allocation that may fail
 * @inj: the node's injection state
 * @vb: the buffer
 *
 * vb2 calls buf_init for an MMAP buffer only right after allocating it,
 * in the REQBUFS or CREATE_BUFS whose queue_setup decided: the whole
 * request fails. (For DMABUF it also calls buf_init when a new dma-buf is
 * queued; that never fails here.) Called under the queue lock.
 *
 * Return: 0 or -ENOMEM.
 */
int vivbuf_inject_buf_init(struct vivbuf_inject *inj, struct vb2_buffer *vb)
{
	if (inj->refuse_alloc && vb->memory == VB2_MEMORY_MMAP)
		return -ENOMEM;
	return 0;
}
