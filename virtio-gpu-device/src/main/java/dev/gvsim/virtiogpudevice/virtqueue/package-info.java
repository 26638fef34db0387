/**
 * Split and packed virtqueues in guest RAM (VIRTIO 1.2 §2.7 and §2.8; docs/facts/virtio-gpu.md §2.3,
 * §2.4), the device side, as QEMU 7.2's hw/virtio/virtio.c implements them.
 *
 * <p>{@link dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue} and
 * {@link dev.gvsim.virtiogpudevice.virtqueue.PackedVirtqueue} (used when VIRTIO_F_RING_PACKED is
 * negotiated) are flyweights over the rings through the device's {@link dev.gvsim.pciefabric.Dma},
 * driven alike through {@link dev.gvsim.virtiogpudevice.virtqueue.Virtqueue};
 * {@link dev.gvsim.virtiogpudevice.virtqueue.Chain} is the reused element a pop fills. Use from a device: {@code configure} when the driver enables the
 * queue (a {@code CANNOT_MAP_*} answer means DEVICE_NEEDS_RESET), on a notify
 * {@code while (vq.pop(chain) == CHAIN) { ... vq.push(chain.head(), written); }}, then
 * {@code vq.flush()} and, if {@code vq.needsInterrupt()}, the queue's interrupt; on
 * {@code FAILED}, set DEVICE_NEEDS_RESET and stop processing every queue of the device (QEMU's
 * {@code vdev->broken}); {@code reset()} on device reset. Checking the Bus Master Enable bit before
 * touching the queue is the device's job.
 *
 * <p>Hostile split rings, answered as QEMU 7.2 answers them (virtio_error: the element is not returned,
 * the device is broken / needs reset):
 * <table>
 * <caption>hostile ring → answer</caption>
 * <tr><th>guest does</th><th>answer (QEMU message)</th></tr>
 * <tr><td>descriptor table / used / avail ring outside RAM</td><td>at configure: "Cannot map desc" / "Cannot map used" / "Cannot map avail"</td></tr>
 * <tr><td>avail.ring entry ≥ size</td><td>"Guest says index %u is available"</td></tr>
 * <tr><td>next ≥ table size</td><td>"Desc next is %u"</td></tr>
 * <tr><td>loop / chain longer than its table</td><td>"Looped descriptor", or first "virtio: too many write descriptors in indirect table" past 1024 segments</td></tr>
 * <tr><td>buffer outside RAM</td><td>"virtio: bogus descriptor or out of resources"</td></tr>
 * <tr><td>zero-length buffer</td><td>"virtio: zero sized buffers are not allowed"</td></tr>
 * <tr><td>readable after writable</td><td>"Incorrect order for descriptors"</td></tr>
 * <tr><td>indirect table length 0 or not a multiple of 16</td><td>"Invalid size for indirect buffer table"</td></tr>
 * <tr><td>indirect table outside RAM</td><td>"Cannot map indirect buffer"</td></tr>
 * <tr><td>indirect table over 1024 entries, all chained</td><td>"virtio: too many write descriptors in indirect table"</td></tr>
 * <tr><td>more chains in use than the queue size (also: avail.idx moved far ahead)</td><td>"Virtqueue size exceeded"</td></tr>
 * <tr><td>INDIRECT inside a table or not on the head; INDIRECT with NEXT; INDIRECT not negotiated;
 * total length ≥ 2^32; avail.idx more than size ahead</td><td>QEMU 7.2 accepts them (flag ignored, NEXT
 * ignored, sum in size_t, entries re-read modulo size); refused only with {@code specChecks}</td></tr>
 * </table>
 * Hostile packed rings: see {@link dev.gvsim.virtiogpudevice.virtqueue.PackedVirtqueue} (QEMU's packed
 * pop checks less: no head or next range, and a chain is a loop only past the ring's size).
 */
package dev.gvsim.virtiogpudevice.virtqueue;
