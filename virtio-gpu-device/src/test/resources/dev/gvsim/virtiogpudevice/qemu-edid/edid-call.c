/* Calls QEMU 7.2's qemu_edid_generate (hw/display/edid-generate.c, unchanged) the way
 * virtio_gpu_generate_edid does: a zeroed buffer of SIZE bytes (virtio-gpu: 1024) and the
 * requested state of one scanout. Writes qemu_edid_size() bytes to stdout.
 * usage: edid-call SIZE PREFX PREFY WIDTH_MM HEIGHT_MM REFRESH_MHZ MAXX MAXY */
#include "qemu/osdep.h"
#include "hw/display/edid.h"
int main(int argc, char **argv)
{
    static uint8_t blob[1024];
    if (argc != 9) { fprintf(stderr, "usage\n"); return 1; }
    size_t size = strtoul(argv[1], NULL, 10);
    qemu_edid_info info = {
        .prefx = strtoul(argv[2], NULL, 10), .prefy = strtoul(argv[3], NULL, 10),
        .width_mm = strtoul(argv[4], NULL, 10), .height_mm = strtoul(argv[5], NULL, 10),
        .refresh_rate = strtoul(argv[6], NULL, 10),
        .maxx = strtoul(argv[7], NULL, 10), .maxy = strtoul(argv[8], NULL, 10),
    };
    memset(blob, 0, sizeof(blob));
    qemu_edid_generate(blob, size, &info);
    fwrite(blob, qemu_edid_size(blob), 1, stdout);
    return 0;
}
