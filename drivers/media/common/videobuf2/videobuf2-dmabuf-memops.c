// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2-dmabuf-memops.c - page-backed videobuf2 allocator with dma-buf
 * sharing: the memory operations (MMAP planes, export, import)
 *
 * MMAP buffers are built from single zeroed pages kept in an sg_table, which
 * is mapped once for the queue's device and synced in prepare() and finish().
 * Such a plane can be exported with VIDIOC_EXPBUF; DMABUF planes are imported
 * from any exporter.
 *
 * Export: a plane has one &struct dma_buf per access mode (O_RDONLY,
 * O_WRONLY, O_RDWR), created by the first VIDIOC_EXPBUF with that mode.
 * Every later EXPBUF with the same mode returns a new fd on that same
 * dma_buf, so importers that cache by dma_buf or by inode (DRM PRIME,
 * GStreamer) see one object, and every fd has the mode it was asked for.
 * The plane holds a file reference on each of its dma_bufs until vb2 puts
 * the plane (REQBUFS(0), close), so the cached pointer is always backed by
 * a reference of ours, never borrowed from a file someone else may free.
 * Each dma_buf holds a reference on the plane's memory in turn, so the
 * pages outlive REQBUFS(0) and close() for as long as an fd, an importer or
 * a mapping uses them. All dma_bufs of a plane share its reservation object.
 *
 * Import: a dma-buf is attached and mapped for the device the first time it
 * is queued on a plane, and the mapping is kept until vb2 detaches it (a
 * different fd is queued on that index, REQBUFS(0) or close). Queueing the
 * same dma-buf again costs no map/unmap.
 *
 * The implicit fences are in videobuf2-dmabuf-fence.c, the debugfs counters
 * in videobuf2-dmabuf-debugfs.c; the locking notes are in
 * videobuf2-dmabuf-priv.h.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <media/videobuf2-core.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "videobuf2-dmabuf-priv.h"

/**
 * struct vb2_dmabuf_attachment - an importer's view of an exported plane
 * @node:	entry in &vb2_dmabuf_buf.attachments
 * @dev:	the importing device
 * @sgt:	the page list, segmented and mapped for @dev; never leaves the
 *		exporter, so it is always fit to sync and unmap
 * @importer_sgt: what map_dma_buf hands the importer: the same entries as
 *		@sgt, DMA addresses included. The importer (and the dma-buf
 *		core, which scrambles its page pointers with
 *		CONFIG_DMABUF_DEBUG) may do what it likes with it.
 * @dir:	direction @sgt is mapped with, DMA_NONE while unmapped
 */
struct vb2_dmabuf_attachment {
	struct list_head		node;
	struct device			*dev;
	struct sg_table			sgt;
	struct sg_table			importer_sgt;
	enum dma_data_direction		dir;
};

/* MMAP planes: pages, lifetime, CPU and device access */

static void vb2_dmabuf_free_pages(struct vb2_dmabuf_buf *buf,
				  unsigned int count)
{
	while (count--)
		__free_page(buf->pages[count]);
	kvfree(buf->pages);
	buf->pages = NULL;
}

static int vb2_dmabuf_alloc_pages(struct vb2_dmabuf_buf *buf, gfp_t gfp)
{
	unsigned int i;

	buf->pages = kvcalloc(buf->num_pages, sizeof(*buf->pages),
			      GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			      __GFP_NOWARN);
	if (!buf->pages)
		return -ENOMEM;

	/*
	 * Zeroed: the pages can reach userspace before the device writes.
	 * The size comes from userspace (VIDIOC_CREATE_BUFS), so running out
	 * of memory must fail this allocation with ENOMEM rather than have
	 * the OOM killer take some other process (__GFP_RETRY_MAYFAIL), and
	 * the pages are charged to the memory cgroup of the caller, who can
	 * hold them as long as it likes (__GFP_ACCOUNT).
	 */
	for (i = 0; i < buf->num_pages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					   __GFP_NOWARN | __GFP_RETRY_MAYFAIL |
					   gfp);
		if (!buf->pages[i]) {
			vb2_dmabuf_free_pages(buf, i);
			return -ENOMEM;
		}
	}

	return 0;
}

/*
 * The largest DMA segment @dev can take. dma_get_max_seg_size() is the
 * device's own limit; dma_max_mapping_size() the DMA layer's, e.g. 256 KiB
 * when swiotlb bounces the mapping, and a larger segment fails to map.
 */
static unsigned int vb2_dmabuf_max_segment(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	/* At least a page: the tables are built of whole pages. */
	return max_t(size_t, round_down(min_t(size_t, max, UINT_MAX), PAGE_SIZE),
		     PAGE_SIZE);
}

static void vb2_dmabuf_release_buf(struct vb2_dmabuf_buf *buf)
{
	if (buf->vaddr)
		vunmap(buf->vaddr);
	sg_free_table(&buf->sgt);
	vb2_dmabuf_free_pages(buf, buf->num_pages);
	dma_resv_fini(&buf->resv);
	mutex_destroy(&buf->export_lock);
	mutex_destroy(&buf->lock);
	kfree(buf);
	atomic64_dec(&vb2_dmabuf_stats.live_buffers);
}

static void vb2_dmabuf_unref(struct vb2_dmabuf_buf *buf)
{
	if (refcount_dec_and_test(&buf->refcount))
		vb2_dmabuf_release_buf(buf);
}

static void *vb2_dmabuf_alloc(struct vb2_buffer *vb, struct device *dev,
			      unsigned long size)
{
	struct vb2_queue *q = vb->vb2_queue;
	struct vb2_dmabuf_buf *buf;
	int ret;

	if (WARN_ON(!dev || !size))
		return ERR_PTR(-EINVAL);

	buf = kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	buf->vb = vb;
	buf->dma_dir = q->dma_dir;
	buf->num_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	buf->size = (unsigned long)buf->num_pages << PAGE_SHIFT;
	refcount_set(&buf->refcount, 1);
	INIT_LIST_HEAD(&buf->attachments);
	mutex_init(&buf->lock);
	mutex_init(&buf->export_lock);
	dma_resv_init(&buf->resv);
	buf->fence_context = dma_fence_context_alloc(1);

	ret = vb2_dmabuf_alloc_pages(buf, q->gfp_flags);
	if (ret)
		goto err_free_buf;

	ret = sg_alloc_table_from_pages_segment(&buf->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						vb2_dmabuf_max_segment(dev),
						GFP_KERNEL);
	if (ret)
		goto err_free_pages;

	/* The CPU caches are cleaned in prepare(), before the device runs. */
	ret = dma_map_sgtable(dev, &buf->sgt, buf->dma_dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free_sgt;

	buf->dev = get_device(dev);
	atomic64_inc(&vb2_dmabuf_stats.live_buffers);

	return buf;

err_free_sgt:
	sg_free_table(&buf->sgt);
err_free_pages:
	vb2_dmabuf_free_pages(buf, buf->num_pages);
err_free_buf:
	dma_resv_fini(&buf->resv);
	mutex_destroy(&buf->export_lock);
	mutex_destroy(&buf->lock);
	kfree(buf);
	return ERR_PTR(ret);
}

/*
 * vb2 lets go of an MMAP plane. The device will not access it again, so its
 * mapping goes now and only the pages stay for the exported dma_buf and the
 * user mappings that may still hold references. This also leaves no DMA
 * mapping behind when the driver is unbound while an fd is open.
 */
static void vb2_dmabuf_put(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	struct dma_buf *exported[VB2_DMABUF_ACCESS_MODES];
	unsigned int mode;

	vb2_dmabuf_drop_fences(buf);

	/*
	 * No EXPBUF can come any more: the dma_bufs now live only as long
	 * as their fds, importers and mappings.
	 */
	mutex_lock(&buf->export_lock);
	memcpy(exported, buf->exported, sizeof(exported));
	memset(buf->exported, 0, sizeof(buf->exported));
	mutex_unlock(&buf->export_lock);

	/*
	 * The pages may stay exported, and the device is done with them: no
	 * sync, which under bounce buffering would copy stale device data
	 * over what the CPU or an importer wrote since.
	 */
	mutex_lock(&buf->lock);
	if (buf->device_vaddr) {
		vunmap(buf->device_vaddr);
		buf->device_vaddr = NULL;
	}
	dma_unmap_sgtable(buf->dev, &buf->sgt, buf->dma_dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	put_device(buf->dev);
	buf->dev = NULL;
	buf->vb = NULL;
	mutex_unlock(&buf->lock);

	/* Each may be the last reference, whose release unrefs @buf. */
	for (mode = 0; mode < VB2_DMABUF_ACCESS_MODES; mode++)
		if (exported[mode])
			dma_buf_put(exported[mode]);

	vb2_dmabuf_unref(buf);
}

static unsigned int vb2_dmabuf_num_users(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	return buf->imported ? 1 : refcount_read(&buf->refcount);
}

/*
 * Imported planes need no cache maintenance here: the exporter does it when
 * mapping, and vb2 sets the skip flags for DMABUF queues anyway.
 */
static void vb2_dmabuf_prepare(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported || buf->vb->skip_cache_sync_on_prepare)
		return;

	dma_sync_sgtable_for_device(buf->dev, &buf->sgt, buf->dma_dir);
}

static void vb2_dmabuf_finish(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported || buf->vb->skip_cache_sync_on_finish)
		return;

	dma_sync_sgtable_for_cpu(buf->dev, &buf->sgt, buf->dma_dir);
}

/*
 * Kernel mappings are made once and kept until the memory goes, so that
 * only the first vb2_plane_vaddr() maps: it allocates (and, for an import,
 * takes the exporter's reservation lock), which a fence signalling path
 * must not do. Later calls read the published pointer without a lock.
 * vmap() rather than vm_map_ram(): the mapping lives as long as the buffer.
 */
static void *vb2_dmabuf_mmap_vaddr(struct vb2_dmabuf_buf *buf)
{
	/* Pairs with the release below: the mapping is set up when seen. */
	void *vaddr = smp_load_acquire(&buf->vaddr);

	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	vaddr = buf->vaddr;
	if (!vaddr) {
		vaddr = vmap(buf->pages, buf->num_pages, VM_MAP, PAGE_KERNEL);
		/* Publishes the mapping to the lockless readers above */
		smp_store_release(&buf->vaddr, vaddr);
	}
	mutex_unlock(&buf->lock);

	return vaddr;
}

static void *vb2_dmabuf_import_vaddr(struct vb2_dmabuf_buf *buf)
{
	struct dma_buf *dbuf = buf->import_dbuf;
	/* Pairs with the release below: the mapping is set up when seen. */
	void *vaddr = smp_load_acquire(&buf->vaddr);
	struct iosys_map map;

	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	if (!buf->vaddr && !vb2_dmabuf_compat_vmap(dbuf, &map)) {
		/* I/O memory cannot be handed out as a plain pointer. */
		if (map.is_iomem) {
			vb2_dmabuf_compat_vunmap(dbuf, &map);
		} else {
			buf->import_map = map;
			/* Publishes the mapping to the lockless readers */
			smp_store_release(&buf->vaddr, map.vaddr);
		}
	}
	vaddr = buf->vaddr;
	mutex_unlock(&buf->lock);

	return vaddr;
}

static void *vb2_dmabuf_vaddr(struct vb2_buffer *vb, void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported)
		return vb2_dmabuf_import_vaddr(buf);

	return vb2_dmabuf_mmap_vaddr(buf);
}

static void *vb2_dmabuf_cookie(struct vb2_buffer *vb, void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported)
		return buf->import_sgt;

	return &buf->sgt;
}

/* Each vma holds a reference on the buffer, like vb2_common_vm_ops. */
static void vb2_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct vb2_dmabuf_buf *buf = vma->vm_private_data;

	refcount_inc(&buf->refcount);
}

static void vb2_dmabuf_vm_close(struct vm_area_struct *vma)
{
	vb2_dmabuf_unref(vma->vm_private_data);
}

static const struct vm_operations_struct vb2_dmabuf_vm_ops = {
	.open = vb2_dmabuf_vm_open,
	.close = vb2_dmabuf_vm_close,
};

/*
 * Shared by the video node (vb2 sets vm_pgoff to 0) and the dma-buf fd
 * (vm_pgoff is the offset in the buffer, range-checked by the dma-buf core
 * and again by vm_map_pages()).
 */
static int vb2_dmabuf_mmap(void *buf_priv, struct vm_area_struct *vma)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	int ret;

	vb2_dmabuf_compat_vma_set_flags(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = vm_map_pages(vma, buf->pages, buf->num_pages);
	if (ret)
		return ret;

	vma->vm_private_data = buf;
	vma->vm_ops = &vb2_dmabuf_vm_ops;
	vb2_dmabuf_vm_open(vma);
	atomic64_inc(&vb2_dmabuf_stats.cpu_maps);

	return 0;
}

/* Export: dma_buf_ops of the dma_buf of an MMAP plane */

static int vb2_dmabuf_dbuf_attach(struct dma_buf *dbuf,
				  struct dma_buf_attachment *db_attach)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;
	int ret;

	attach = kzalloc_obj(*attach, GFP_KERNEL);
	if (!attach)
		return -ENOMEM;

	/*
	 * An sg_table holds the DMA addresses of one device only, so every
	 * attachment gets its own, segmented for that device.
	 */
	ret = sg_alloc_table_from_pages_segment(&attach->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						vb2_dmabuf_max_segment(db_attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err_free_attach;

	ret = sg_alloc_table(&attach->importer_sgt, attach->sgt.orig_nents,
			     GFP_KERNEL);
	if (ret)
		goto err_free_sgt;

	attach->dev = db_attach->dev;
	attach->dir = DMA_NONE;
	db_attach->priv = attach;

	mutex_lock(&buf->lock);
	list_add(&attach->node, &buf->attachments);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.attachments);

	return 0;

err_free_sgt:
	sg_free_table(&attach->sgt);
err_free_attach:
	kfree(attach);
	return ret;
}

static void vb2_dmabuf_dbuf_detach(struct dma_buf *dbuf,
				   struct dma_buf_attachment *db_attach)
{
	struct vb2_dmabuf_attachment *attach = db_attach->priv;
	struct vb2_dmabuf_buf *buf = dbuf->priv;

	mutex_lock(&buf->lock);
	list_del(&attach->node);
	mutex_unlock(&buf->lock);

	if (attach->dir != DMA_NONE)
		dma_unmap_sgtable(attach->dev, &attach->sgt, attach->dir, 0);
	sg_free_table(&attach->importer_sgt);
	sg_free_table(&attach->sgt);
	kfree(attach);
	db_attach->priv = NULL;
}

/*
 * Fills the importer's table with the entries of the attachment's mapped
 * one. Both have the same number of entries; the end marker of @dst stays
 * where sg_alloc_table() put it.
 */
static void vb2_dmabuf_copy_mapping(struct sg_table *dst,
				    const struct sg_table *src)
{
	struct scatterlist *s = src->sgl, *d;
	unsigned int i;

	for_each_sgtable_sg(dst, d, i) {
		sg_set_page(d, sg_page(s), s->length, s->offset);
		sg_dma_address(d) = sg_dma_address(s);
		sg_dma_len(d) = sg_dma_len(s);
		s = sg_next(s);
	}
	dst->nents = src->nents;
}

/*
 * The mapping is cached in the attachment: mapping again with the same
 * direction returns it as it is, and it is torn down on detach, or when the
 * importer asks for another direction.
 */
static struct sg_table *
vb2_dmabuf_dbuf_map(struct dma_buf_attachment *db_attach,
		    enum dma_data_direction dir)
{
	struct vb2_dmabuf_attachment *attach = db_attach->priv;
	struct vb2_dmabuf_buf *buf = db_attach->dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (attach->dir != dir) {
		if (attach->dir != DMA_NONE) {
			dma_unmap_sgtable(attach->dev, &attach->sgt,
					  attach->dir, 0);
			attach->dir = DMA_NONE;
		}
		/*
		 * The pages may be mapped for several devices at once (ours
		 * stays while vb2 owns the plane). DMA API debugging accepts
		 * such overlapping mappings only when the caller does the cache
		 * maintenance, so skip it in the map and sync right after, to
		 * the same effect.
		 */
		ret = dma_map_sgtable(attach->dev, &attach->sgt, dir,
				      DMA_ATTR_SKIP_CPU_SYNC);
		if (!ret) {
			dma_sync_sgtable_for_device(attach->dev, &attach->sgt,
						    dir);
			vb2_dmabuf_copy_mapping(&attach->importer_sgt,
						&attach->sgt);
			attach->dir = dir;
		}
	}
	mutex_unlock(&buf->lock);

	return ret ? ERR_PTR(ret) : &attach->importer_sgt;
}

static void vb2_dmabuf_dbuf_unmap(struct dma_buf_attachment *db_attach,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	/* The mapping stays cached until detach, see vb2_dmabuf_dbuf_map(). */
}

/*
 * Syncs every importer's live mapping, each through the attachment's own
 * table, with the sg_table helpers: the DMA API debug code tells apart
 * several mappings of the same pages for one device (our vb2 mapping and
 * an import on another queue of the same device, say) only by the
 * parameters they were mapped with, so a sync must repeat them exactly.
 */
static void vb2_dmabuf_sync_importers(struct vb2_dmabuf_buf *buf,
				      bool for_cpu)
{
	struct vb2_dmabuf_attachment *attach;

	mutex_lock(&buf->lock);
	list_for_each_entry(attach, &buf->attachments, node) {
		if (attach->dir == DMA_NONE)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(attach->dev, &attach->sgt,
						 attach->dir);
		else
			dma_sync_sgtable_for_device(attach->dev, &attach->sgt,
						    attach->dir);
	}
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.cpu_syncs);
}

/*
 * DMA_BUF_IOCTL_SYNC lands here. Each importer's live mapping is synced,
 * with the direction it was mapped with, as the DMA API requires. Our own
 * device's mapping is not: vb2 hands the plane to the device in prepare()
 * and back in finish(), and between the two the buffer is not the CPU's.
 * Syncing it here as well would, under bounce buffering, copy the device's
 * stale view over what the CPU wrote since the last frame.
 *
 * The dma-buf core waits for the reservation's fences only after this op,
 * but a device still writing owns the pages: syncing for the CPU before it
 * is done would copy (bounce buffers) or invalidate (non-coherent caches)
 * half a frame. So we wait first, for the same fences the core would: the
 * writers' for a CPU read, everyone's for a CPU write.
 */
static int vb2_dmabuf_dbuf_begin_cpu_access(struct dma_buf *dbuf,
					    enum dma_data_direction dir)
{
	bool cpu_writes = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
	long ret;

	ret = dma_resv_wait_timeout(dbuf->resv, dma_resv_usage_rw(cpu_writes),
				    true, MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		return ret;

	vb2_dmabuf_sync_importers(dbuf->priv, true);
	return 0;
}

static int vb2_dmabuf_dbuf_end_cpu_access(struct dma_buf *dbuf,
					  enum dma_data_direction dir)
{
	vb2_dmabuf_sync_importers(dbuf->priv, false);
	return 0;
}

static int vb2_dmabuf_dbuf_mmap(struct dma_buf *dbuf,
				struct vm_area_struct *vma)
{
	return vb2_dmabuf_mmap(dbuf->priv, vma);
}

/*
 * The kernel mapping is shared with vb2_plane_vaddr() and lives until the
 * pages are freed, so there is no vunmap to implement.
 */
static int vb2_dmabuf_dbuf_vmap(struct dma_buf *dbuf, struct iosys_map *map)
{
	void *vaddr = vb2_dmabuf_mmap_vaddr(dbuf->priv);

	if (!vaddr)
		return -ENOMEM;

	iosys_map_set_vaddr(map, vaddr);
	atomic64_inc(&vb2_dmabuf_stats.kernel_vmaps);

	return 0;
}

/* The plane no longer caches @dbuf: vb2_dmabuf_put() dropped it first. */
static void vb2_dmabuf_dbuf_release(struct dma_buf *dbuf)
{
	atomic64_dec(&vb2_dmabuf_stats.live_dmabufs);
	vb2_dmabuf_unref(dbuf->priv);
}

static const struct dma_buf_ops vb2_dmabuf_dbuf_ops = {
	.attach = vb2_dmabuf_dbuf_attach,
	.detach = vb2_dmabuf_dbuf_detach,
	.map_dma_buf = vb2_dmabuf_dbuf_map,
	.unmap_dma_buf = vb2_dmabuf_dbuf_unmap,
	.begin_cpu_access = vb2_dmabuf_dbuf_begin_cpu_access,
	.end_cpu_access = vb2_dmabuf_dbuf_end_cpu_access,
	.mmap = vb2_dmabuf_dbuf_mmap,
	.vmap = vb2_dmabuf_dbuf_vmap,
	.release = vb2_dmabuf_dbuf_release,
};

/*
 * Returns the plane's dma_buf for the access mode in @flags, with a new
 * file reference for the caller (vb2 installs it as the fd), creating the
 * dma_buf if the plane has none of that mode yet. The plane keeps a
 * reference of its own on every dma_buf it created, see vb2_dmabuf_put().
 */
static struct dma_buf *vb2_dmabuf_get_dmabuf(struct vb2_buffer *vb,
					     void *buf_priv,
					     unsigned long flags)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	unsigned int mode = flags & O_ACCMODE;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf *dbuf;

	atomic64_inc(&vb2_dmabuf_stats.expbufs);

	/* vb2 lets O_ACCMODE itself through, which is no open(2) mode. */
	if (mode >= VB2_DMABUF_ACCESS_MODES)
		return ERR_PTR(-EINVAL);

	mutex_lock(&buf->export_lock);

	dbuf = buf->exported[mode];
	if (dbuf) {
		get_dma_buf(dbuf);
		goto out_unlock;
	}

	exp_info.exp_name = VB2_DMABUF_EXPORTER_NAME;
	exp_info.ops = &vb2_dmabuf_dbuf_ops;
	exp_info.size = buf->size;
	exp_info.flags = mode;
	exp_info.priv = buf;
	exp_info.resv = &buf->resv;

	dbuf = dma_buf_export(&exp_info);
	if (IS_ERR(dbuf))
		goto out_unlock;

	/* The pages stay as long as the dma_buf, whatever vb2 does. */
	refcount_inc(&buf->refcount);
	/* The caller's reference is the one dma_buf_export() made. */
	get_dma_buf(dbuf);
	buf->exported[mode] = dbuf;
	atomic64_inc(&vb2_dmabuf_stats.exports);
	atomic64_inc(&vb2_dmabuf_stats.live_dmabufs);

out_unlock:
	mutex_unlock(&buf->export_lock);

	return dbuf;
}

/* Import: DMABUF planes */

/*
 * attach_dmabuf only records the dma-buf: everything that can fail for a
 * reason other than a tiny allocation happens in map_dmabuf, which vb2
 * calls right after. Either way the vb2 core up to 7.2 (__prepare_dmabuf)
 * leaks its references on the dma-bufs of the planes after the failing one
 * (and of the failing one when attach fails);
 * packaging/upstream/0001-*.patch fixes it, tests/uapi/vb2_prepare_dmabuf_leak
 * shows it.
 */
static void *vb2_dmabuf_attach_dmabuf(struct vb2_buffer *vb,
				      struct device *dev,
				      struct dma_buf *dbuf,
				      unsigned long size)
{
	struct vb2_dmabuf_buf *buf;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);

	buf = kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	buf->imported = true;
	buf->vb = vb;
	buf->dev = dev;
	buf->dma_dir = vb->vb2_queue->dma_dir;
	buf->size = size;
	/* vb2 holds a reference on the dma-buf for as long as we are used. */
	buf->import_dbuf = dbuf;
	buf->fence_context = dma_fence_context_alloc(1);
	/* Not the exporting side's lock class, see the locking notes. */
	mutex_init(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.imports);

	return buf;
}

static void vb2_dmabuf_detach_dmabuf(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	vb2_dmabuf_drop_fences(buf);

	if (buf->device_vaddr)
		vunmap(buf->device_vaddr);
	if (buf->vaddr)
		vb2_dmabuf_compat_vunmap(buf->import_dbuf, &buf->import_map);

	if (buf->import_sgt) {
		vb2_dmabuf_compat_unmap_attachment(buf->db_attach,
						   buf->import_sgt,
						   buf->dma_dir);
		atomic64_inc(&vb2_dmabuf_stats.unmaps);
	}

	if (buf->db_attach)
		dma_buf_detach(buf->import_dbuf, buf->db_attach);

	mutex_destroy(&buf->lock);
	kfree(buf);
}

/*
 * vb2 keeps the plane's memory while the same dma-buf is queued again on
 * it. The attachment and its mapping are made the first time and kept until
 * detach, so they cost one map per dma-buf, not one per frame, whatever the
 * vb2 core's map/unmap cadence is (older cores unmap on every DQBUF).
 */
static int vb2_dmabuf_map_dmabuf(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	struct dma_buf_attachment *db_attach;
	struct sg_table *sgt;

	if (buf->import_sgt)
		return 0;

	if (!buf->db_attach) {
		/*
		 * vb2 already rejected a length below the plane's minimum;
		 * this catches a length claiming more than the dma-buf holds.
		 */
		if (buf->import_dbuf->size < buf->size)
			return -EINVAL;

		db_attach = dma_buf_attach(buf->import_dbuf, buf->dev);
		if (IS_ERR(db_attach))
			return PTR_ERR(db_attach);
		buf->db_attach = db_attach;
	}

	sgt = vb2_dmabuf_compat_map_attachment(buf->db_attach, buf->dma_dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	buf->import_sgt = sgt;
	atomic64_inc(&vb2_dmabuf_stats.maps);

	return 0;
}

static void vb2_dmabuf_unmap_dmabuf(void *buf_priv)
{
	/* The mapping is released in detach, see vb2_dmabuf_map_dmabuf(). */
}

const struct vb2_mem_ops vb2_dmabuf_memops = {
	.alloc		= vb2_dmabuf_alloc,
	.put		= vb2_dmabuf_put,
	.get_dmabuf	= vb2_dmabuf_get_dmabuf,
	.prepare	= vb2_dmabuf_prepare,
	.finish		= vb2_dmabuf_finish,
	.attach_dmabuf	= vb2_dmabuf_attach_dmabuf,
	.detach_dmabuf	= vb2_dmabuf_detach_dmabuf,
	.map_dmabuf	= vb2_dmabuf_map_dmabuf,
	.unmap_dmabuf	= vb2_dmabuf_unmap_dmabuf,
	.vaddr		= vb2_dmabuf_vaddr,
	.cookie		= vb2_dmabuf_cookie,
	.num_users	= vb2_dmabuf_num_users,
	.mmap		= vb2_dmabuf_mmap,
};
EXPORT_SYMBOL_GPL(vb2_dmabuf_memops);

struct sg_table *vb2_dmabuf_plane_sgt(struct vb2_buffer *vb,
				      unsigned int plane_no)
{
	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops))
		return NULL;

	return vb2_plane_cookie(vb, plane_no);
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_plane_sgt);

/*
 * Maps the memory behind @sgt's DMA addresses for @dev, i.e. what the
 * device reads and writes. Only for dma-direct devices, whose DMA addresses
 * are physical addresses; segments must start on a page boundary (swiotlb
 * aligns its slots so for any mapping of a page or more) and all but the
 * last must be whole pages.
 */
static void *vb2_dmabuf_map_device_view(struct device *dev,
					struct sg_table *sgt,
					unsigned long size)
{
	unsigned int npages = PAGE_ALIGN(size) >> PAGE_SHIFT, n = 0, i;
	struct scatterlist *sg;
	struct page **pages;
	phys_addr_t phys;
	unsigned int len;
	void *vaddr;

	if (device_iommu_mapped(dev))
		return NULL;

	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		phys = dma_to_phys(dev, sg_dma_address(sg));
		len = sg_dma_len(sg);
		if (!PAGE_ALIGNED(phys) || (n && !PAGE_ALIGNED(len)))
			goto out_free;
		for (; len && n < npages; len -= min_t(unsigned int, len,
						       PAGE_SIZE), n++) {
			if (!pfn_valid(PHYS_PFN(phys)))
				goto out_free;
			pages[n] = pfn_to_page(PHYS_PFN(phys));
			phys += PAGE_SIZE;
		}
		if (n == npages)
			break;
	}
	vaddr = n == npages ? vmap(pages, npages, VM_MAP, PAGE_KERNEL) : NULL;
	kvfree(pages);
	return vaddr;

out_free:
	kvfree(pages);
	return NULL;
}

void *vb2_dmabuf_plane_device_vaddr(struct vb2_buffer *vb,
				    unsigned int plane_no)
{
	struct vb2_dmabuf_buf *buf;
	struct sg_table *sgt;
	void *vaddr;

	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops) ||
	    plane_no >= vb->num_planes)
		return NULL;
	buf = vb->planes[plane_no].mem_priv;
	if (!buf)
		return NULL;

	/* Pairs with the release below: the mapping is set up when seen. */
	vaddr = smp_load_acquire(&buf->device_vaddr);
	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	sgt = buf->imported ? buf->import_sgt : &buf->sgt;
	if (!buf->device_vaddr && buf->dev && sgt) {
		vaddr = vb2_dmabuf_map_device_view(buf->dev, sgt, buf->size);
		/* Publishes the mapping to the lockless readers above */
		smp_store_release(&buf->device_vaddr, vaddr);
	}
	vaddr = buf->device_vaddr;
	mutex_unlock(&buf->lock);

	return vaddr;
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_plane_device_vaddr);

static int __init vb2_dmabuf_init(void)
{
	int ret;

	ret = vb2_dmabuf_fences_init();
	if (ret)
		return ret;

	vb2_dmabuf_debugfs_init();

	return 0;
}

static void __exit vb2_dmabuf_exit(void)
{
	vb2_dmabuf_debugfs_exit();
	vb2_dmabuf_fences_exit();
}

module_init(vb2_dmabuf_init);
module_exit(vb2_dmabuf_exit);

MODULE_DESCRIPTION("videobuf2 page allocator with dma-buf export and import");
MODULE_LICENSE("GPL");
VB2_DMABUF_IMPORT_NS_DMA_BUF;
