// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2-dmabuf.c - page-backed videobuf2 allocator with dma-buf sharing
 *
 * MMAP buffers are built from single zeroed pages kept in an sg_table, which
 * is mapped once for the queue's device and synced in prepare() and finish().
 * Such a plane can be exported with VIDIOC_EXPBUF; DMABUF planes are imported
 * from any exporter.
 *
 * Export: a plane has at most one live &struct dma_buf. Every EXPBUF while it
 * lives returns a new fd on that same dma_buf, so importers that cache by
 * dma_buf or by inode (DRM PRIME, GStreamer) see one object. The dma_buf
 * holds a reference on the buffer, so the pages outlive REQBUFS(0) and
 * close() for as long as an fd, an importer or a mapping uses them.
 *
 * Import: a dma-buf is attached and mapped for the device the first time it
 * is queued on a plane, and the mapping is kept until vb2 detaches it (a
 * different fd is queued on that index, REQBUFS(0) or close). Queueing the
 * same dma-buf again costs no map/unmap.
 *
 * Locking, outermost first:
 *  - &vb2_dmabuf_buf.export_lock (exporting side) guards the cached dma_buf
 *    pointer; it is held around dma_buf_export() and never nests with the
 *    reservation lock.
 *  - the dma-buf reservation lock, held by the dma-buf core around
 *    map_dma_buf and vmap since 6.2.
 *  - &vb2_dmabuf_buf.lock. On an MMAP buffer it guards the kernel mapping,
 *    the attachment list with each attachment's DMA mapping and the device
 *    mapping's lifetime, so it nests inside the reservation lock. On an
 *    imported buffer it guards the kernel mapping and is held while calling
 *    into the foreign exporter, i.e. outside that exporter's reservation
 *    lock. The two uses are initialised at different call sites and so are
 *    separate lockdep classes.
 *
 * Counters in debugfs, /sys/kernel/debug/v4l2-dmabuf/, one read-only file
 * each, printing a decimal u64:
 *  - exports: struct dma_buf objects created by get_dmabuf.
 *  - expbufs: get_dmabuf calls (VIDIOC_EXPBUF), reused dma_bufs included.
 *  - imports: dma-bufs taken on by a DMABUF plane (successful attach_dmabuf
 *    calls; queueing the same dma-buf again does not count).
 *  - attachments: importers attaching to dma_bufs we exported.
 *  - maps: dma_buf_map_attachment calls made for imported planes.
 *  - unmaps: the matching dma_buf_unmap_attachment calls.
 *  - cpu_syncs: begin_cpu_access and end_cpu_access calls on our exports
 *    (what DMA_BUF_IOCTL_SYNC reaches).
 *  - cpu_copies: CPU copies of frame data; always 0, as there is no copy
 *    path. It exists so that tests can prove it.
 *  - live_buffers: MMAP planes whose pages are currently allocated.
 *  - live_dmabufs: exported struct dma_buf objects currently alive.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <media/videobuf2-core.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#define VB2_DMABUF_EXPORTER_NAME	"videobuf2-dmabuf"

static struct {
	atomic64_t exports;
	atomic64_t expbufs;
	atomic64_t imports;
	atomic64_t attachments;
	atomic64_t maps;
	atomic64_t unmaps;
	atomic64_t cpu_syncs;
	atomic64_t cpu_copies;
	atomic64_t live_buffers;
	atomic64_t live_dmabufs;
} vb2_dmabuf_stats;

/**
 * struct vb2_dmabuf_buf - memory of one plane
 * @imported:	the plane is a dma-buf imported with attach_dmabuf, otherwise
 *		an MMAP plane allocated here
 * @vb:		the vb2 buffer; on an MMAP plane only valid until vb2's put
 * @dev:	the device the plane is mapped for; on an MMAP plane it holds a
 *		reference and is NULL once vb2 has put the plane
 * @dma_dir:	direction of the device mapping, from the queue
 * @size:	size in bytes (a whole number of pages for MMAP)
 * @lock:	see the locking notes at the top of the file
 * @vaddr:	kernel mapping, made on first use and kept until release
 * @num_pages:	MMAP: number of entries in @pages
 * @pages:	MMAP: the pages, in buffer order
 * @sgt:	MMAP: @pages as an sg_table, DMA-mapped for @dev while @dev is set
 * @refcount:	MMAP: vb2's reference, one per vma, one per exported dma_buf
 * @attachments: MMAP: &struct vb2_dmabuf_attachment of importers of @exported
 * @export_lock: MMAP: guards @exported
 * @exported:	MMAP: the live dma_buf of this plane or NULL. Its reservation
 *		object is where implicit fences are to be published.
 * @import_dbuf: import: the dma_buf, referenced by vb2 while we exist; its
 *		reservation object is where implicit fences are to be found
 * @db_attach:	import: our attachment to @import_dbuf, made on first map
 * @import_sgt:	import: the mapping of @db_attach, kept until detach
 * @import_map:	import: the dma-buf vmap behind @vaddr
 */
struct vb2_dmabuf_buf {
	bool				imported;
	struct vb2_buffer		*vb;
	struct device			*dev;
	enum dma_data_direction		dma_dir;
	unsigned long			size;
	struct mutex			lock;	/* see the file's locking notes */
	void				*vaddr;

	unsigned int			num_pages;
	struct page			**pages;
	struct sg_table			sgt;
	refcount_t			refcount;
	struct list_head		attachments;
	struct mutex			export_lock;	/* guards @exported */
	struct dma_buf			*exported;

	struct dma_buf			*import_dbuf;
	struct dma_buf_attachment	*db_attach;
	struct sg_table			*import_sgt;
	struct iosys_map		import_map;
};

/**
 * struct vb2_dmabuf_attachment - an importer's view of an exported plane
 * @node:	entry in &vb2_dmabuf_buf.attachments
 * @dev:	the importing device
 * @sgt:	a private copy of the page list, mapped for @dev
 * @dir:	direction @sgt is mapped with, DMA_NONE while unmapped
 */
struct vb2_dmabuf_attachment {
	struct list_head		node;
	struct device			*dev;
	struct sg_table			sgt;
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

	buf->pages = kvcalloc(buf->num_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		return -ENOMEM;

	/* Zeroed: the pages can reach userspace before the device writes. */
	for (i = 0; i < buf->num_pages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO |
					   __GFP_NOWARN | gfp);
		if (!buf->pages[i]) {
			vb2_dmabuf_free_pages(buf, i);
			return -ENOMEM;
		}
	}

	return 0;
}

static void vb2_dmabuf_release_buf(struct vb2_dmabuf_buf *buf)
{
	if (buf->vaddr)
		vunmap(buf->vaddr);
	sg_free_table(&buf->sgt);
	vb2_dmabuf_free_pages(buf, buf->num_pages);
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

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
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

	ret = vb2_dmabuf_alloc_pages(buf, q->gfp_flags);
	if (ret)
		goto err_free_buf;

	ret = sg_alloc_table_from_pages_segment(&buf->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						dma_get_max_seg_size(dev),
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

	mutex_lock(&buf->lock);
	dma_unmap_sgtable(buf->dev, &buf->sgt, buf->dma_dir, 0);
	put_device(buf->dev);
	buf->dev = NULL;
	buf->vb = NULL;
	mutex_unlock(&buf->lock);

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

/* vmap() rather than vm_map_ram(): the mapping lives as long as the buffer. */
static void *vb2_dmabuf_mmap_vaddr(struct vb2_dmabuf_buf *buf)
{
	void *vaddr;

	mutex_lock(&buf->lock);
	if (!buf->vaddr)
		buf->vaddr = vmap(buf->pages, buf->num_pages, VM_MAP,
				  PAGE_KERNEL);
	vaddr = buf->vaddr;
	mutex_unlock(&buf->lock);

	return vaddr;
}

static void *vb2_dmabuf_import_vaddr(struct vb2_dmabuf_buf *buf)
{
	struct dma_buf *dbuf = buf->import_dbuf;
	struct iosys_map map;
	void *vaddr;

	mutex_lock(&buf->lock);
	if (!buf->vaddr && !vb2_dmabuf_compat_vmap(dbuf, &map)) {
		/* I/O memory cannot be handed out as a plain pointer. */
		if (map.is_iomem) {
			vb2_dmabuf_compat_vunmap(dbuf, &map);
		} else {
			buf->import_map = map;
			buf->vaddr = map.vaddr;
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

	return 0;
}

/* Export: dma_buf_ops of the dma_buf of an MMAP plane */

static int vb2_dmabuf_dbuf_attach(struct dma_buf *dbuf,
				  struct dma_buf_attachment *db_attach)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;
	int ret;

	attach = kzalloc(sizeof(*attach), GFP_KERNEL);
	if (!attach)
		return -ENOMEM;

	/*
	 * An sg_table holds the DMA addresses of one device only, so every
	 * attachment gets its own, segmented for that device.
	 */
	ret = sg_alloc_table_from_pages_segment(&attach->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						dma_get_max_seg_size(db_attach->dev),
						GFP_KERNEL);
	if (ret) {
		kfree(attach);
		return ret;
	}

	attach->dev = db_attach->dev;
	attach->dir = DMA_NONE;
	db_attach->priv = attach;

	mutex_lock(&buf->lock);
	list_add(&attach->node, &buf->attachments);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.attachments);

	return 0;
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
	sg_free_table(&attach->sgt);
	kfree(attach);
	db_attach->priv = NULL;
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
			attach->dir = dir;
		}
	}
	mutex_unlock(&buf->lock);

	return ret ? ERR_PTR(ret) : &attach->sgt;
}

static void vb2_dmabuf_dbuf_unmap(struct dma_buf_attachment *db_attach,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	/* The mapping stays cached until detach, see vb2_dmabuf_dbuf_map(). */
}

/*
 * Sync an importer's mapping segment by segment, through its DMA addresses
 * only: with CONFIG_DMABUF_DEBUG the dma-buf core scrambles the page
 * pointers of the table it hands to importers (keeping the chain and end
 * bits), so the sg_table sync helpers, which look at the pages, must not
 * walk it while it is mapped.
 */
static void vb2_dmabuf_sync_attachment(struct vb2_dmabuf_attachment *attach,
				       bool for_cpu)
{
	struct scatterlist *sg;
	unsigned int i;

	if (attach->dir == DMA_NONE)
		return;

	for_each_sgtable_dma_sg(&attach->sgt, sg, i) {
		if (for_cpu)
			dma_sync_single_for_cpu(attach->dev, sg_dma_address(sg),
						sg_dma_len(sg), attach->dir);
		else
			dma_sync_single_for_device(attach->dev,
						   sg_dma_address(sg),
						   sg_dma_len(sg), attach->dir);
	}
}

/*
 * DMA_BUF_IOCTL_SYNC lands here. Every live mapping of the pages is synced,
 * ours while vb2 still owns the plane and each importer's, each with the
 * direction it was mapped with, as the DMA API requires.
 */
static int vb2_dmabuf_dbuf_begin_cpu_access(struct dma_buf *dbuf,
					    enum dma_data_direction dir)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;

	mutex_lock(&buf->lock);
	if (buf->dev)
		dma_sync_sgtable_for_cpu(buf->dev, &buf->sgt, buf->dma_dir);
	list_for_each_entry(attach, &buf->attachments, node)
		vb2_dmabuf_sync_attachment(attach, true);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.cpu_syncs);

	return 0;
}

static int vb2_dmabuf_dbuf_end_cpu_access(struct dma_buf *dbuf,
					  enum dma_data_direction dir)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;

	mutex_lock(&buf->lock);
	if (buf->dev)
		dma_sync_sgtable_for_device(buf->dev, &buf->sgt,
					    buf->dma_dir);
	list_for_each_entry(attach, &buf->attachments, node)
		vb2_dmabuf_sync_attachment(attach, false);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.cpu_syncs);

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

	return 0;
}

static void vb2_dmabuf_dbuf_release(struct dma_buf *dbuf)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;

	/* A newer dma_buf may already have replaced us, see get_dmabuf. */
	mutex_lock(&buf->export_lock);
	if (buf->exported == dbuf)
		buf->exported = NULL;
	mutex_unlock(&buf->export_lock);

	atomic64_dec(&vb2_dmabuf_stats.live_dmabufs);
	vb2_dmabuf_unref(buf);
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
 * Returns the plane's dma_buf with a new file reference for the caller,
 * creating the dma_buf if there is none. Like DRM PRIME's export cache, a
 * reused dma_buf keeps the access mode of the EXPBUF that created it.
 */
static struct dma_buf *vb2_dmabuf_get_dmabuf(struct vb2_buffer *vb,
					     void *buf_priv,
					     unsigned long flags)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf *dbuf;

	atomic64_inc(&vb2_dmabuf_stats.expbufs);

	mutex_lock(&buf->export_lock);

	/*
	 * The last fd of buf->exported may be closing right now: its file
	 * count is zero but our release op, which clears the pointer, has not
	 * run yet. Such a dma_buf cannot be revived, so a reference is taken
	 * only while the count is not zero; otherwise a new dma_buf replaces
	 * it. Reading the count is safe: __fput() calls ->release and dput(),
	 * which ends in our release op taking export_lock, before file_free(),
	 * so the file (and the dma_buf) cannot be freed while we hold
	 * export_lock and see the pointer.
	 */
	dbuf = buf->exported;
	if (dbuf && vb2_dmabuf_compat_file_get_unless_zero(dbuf->file))
		goto out_unlock;

	exp_info.exp_name = VB2_DMABUF_EXPORTER_NAME;
	exp_info.ops = &vb2_dmabuf_dbuf_ops;
	exp_info.size = buf->size;
	exp_info.flags = flags;
	exp_info.priv = buf;

	dbuf = dma_buf_export(&exp_info);
	if (IS_ERR(dbuf))
		goto out_unlock;

	/* The pages stay as long as the dma_buf, whatever vb2 does. */
	refcount_inc(&buf->refcount);
	buf->exported = dbuf;
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
 * calls right after. When attach_dmabuf fails, the 6.12 vb2 core (in
 * __prepare_dmabuf) leaks its reference on the dma-buf; when map_dmabuf
 * fails, the plane is already recorded and vb2 releases it properly.
 */
static void *vb2_dmabuf_attach_dmabuf(struct vb2_buffer *vb,
				      struct device *dev,
				      struct dma_buf *dbuf,
				      unsigned long size)
{
	struct vb2_dmabuf_buf *buf;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	buf->imported = true;
	buf->vb = vb;
	buf->dev = dev;
	buf->dma_dir = vb->vb2_queue->dma_dir;
	buf->size = size;
	/* vb2 holds a reference on the dma-buf for as long as we are used. */
	buf->import_dbuf = dbuf;
	/* Not the exporting side's lock class, see the locking notes. */
	mutex_init(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.imports);

	return buf;
}

static void vb2_dmabuf_detach_dmabuf(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

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

/**
 * DOC: vb2_dmabuf_memops
 *
 * &vb2_dmabuf_memops are the videobuf2 memory operations of this allocator.
 * They support V4L2_MEMORY_MMAP, with VIDIOC_EXPBUF returning one
 * &struct dma_buf per plane for as long as it is referenced, and
 * V4L2_MEMORY_DMABUF, with imported dma-bufs mapped once per attachment.
 * USERPTR is not supported. vb2_plane_vaddr() works for both memory types
 * and vb2_plane_cookie() returns the plane's device-mapped &struct sg_table,
 * as vb2_dmabuf_plane_sgt() does.
 */
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

/**
 * vb2_dmabuf_plane_sgt() - the device-mapped sg_table of a plane
 * @vb:		a buffer of a queue using &vb2_dmabuf_memops
 * @plane_no:	index of the plane
 *
 * For an MMAP plane the table is mapped for the queue's (or the plane's
 * allocation) device with the queue's direction; for a DMABUF plane it is
 * the table the exporter returned for that device. Use the DMA addresses
 * (for_each_sgtable_dma_sg()), not the pages, which an exporter may not
 * provide. The table is valid while the plane's memory is attached to @vb.
 *
 * Return: the table, or NULL if the plane has no memory (or is not mapped
 * yet) or @vb does not belong to a &vb2_dmabuf_memops queue.
 */
struct sg_table *vb2_dmabuf_plane_sgt(struct vb2_buffer *vb,
				      unsigned int plane_no)
{
	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops))
		return NULL;

	return vb2_plane_cookie(vb, plane_no);
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_plane_sgt);

/* debugfs counters */

static struct dentry *vb2_dmabuf_debugfs;

static int vb2_dmabuf_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb2_dmabuf_counter_fops, vb2_dmabuf_counter_get,
			 NULL, "%llu\n");

static const struct {
	const char *name;
	atomic64_t *counter;
} vb2_dmabuf_counters[] = {
	{ "exports",		&vb2_dmabuf_stats.exports },
	{ "expbufs",		&vb2_dmabuf_stats.expbufs },
	{ "imports",		&vb2_dmabuf_stats.imports },
	{ "attachments",	&vb2_dmabuf_stats.attachments },
	{ "maps",		&vb2_dmabuf_stats.maps },
	{ "unmaps",		&vb2_dmabuf_stats.unmaps },
	{ "cpu_syncs",		&vb2_dmabuf_stats.cpu_syncs },
	{ "cpu_copies",		&vb2_dmabuf_stats.cpu_copies },
	{ "live_buffers",	&vb2_dmabuf_stats.live_buffers },
	{ "live_dmabufs",	&vb2_dmabuf_stats.live_dmabufs },
};

static int __init vb2_dmabuf_init(void)
{
	unsigned int i;

	/* debugfs is best effort: failures here must not stop the module. */
	vb2_dmabuf_debugfs = debugfs_create_dir("v4l2-dmabuf", NULL);
	for (i = 0; i < ARRAY_SIZE(vb2_dmabuf_counters); i++)
		debugfs_create_file_unsafe(vb2_dmabuf_counters[i].name, 0444,
					   vb2_dmabuf_debugfs,
					   vb2_dmabuf_counters[i].counter,
					   &vb2_dmabuf_counter_fops);

	return 0;
}

static void __exit vb2_dmabuf_exit(void)
{
	debugfs_remove_recursive(vb2_dmabuf_debugfs);
}

module_init(vb2_dmabuf_init);
module_exit(vb2_dmabuf_exit);

MODULE_DESCRIPTION("videobuf2 page allocator with dma-buf export and import");
MODULE_LICENSE("GPL");
VB2_DMABUF_IMPORT_NS_DMA_BUF;
