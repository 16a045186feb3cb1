// image_main.cpp — the smallest bare-metal program that links the whole core.
//
// It exists to prove, on the real target toolchain (RV32IMAFC, picolibc, no C++
// library), that the core is freestanding and heap-free; the size report reads its parts.
// The virtio-net firmware for QEMU's virt machine comes with the rv32-virt port.
#include "core/base/span.hpp"
#include "core/wire/checksum.hpp"

extern "C" int main() {
  static const uint8_t probe[] = {0x45, 0x00, 0x00, 0x1c};
  return keel::wire::checksum(keel::Bytes(probe, sizeof probe)) == 0 ? 1 : 0;
}
