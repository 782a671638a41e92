/*
 * The reference for bench/shim.mjs: the same hot loops as accelctl's shim,
 * in C, with the same syscalls. Usage:
 *   bench_loops mtty <group> <uuid> <iterations>   pwrite TX + pread RX per byte
 *   bench_loops edu  <group> <bdf>  <iterations>   liveness write + read, mmapped BAR0
 *   bench_loops null - - <iterations>              getppid(): a syscall that does nothing,
 *                                                  to price one call through the shim
 * Prints one JSON line: {"loop":..,"ops":..,"seconds":..,"opsPerSec":..}.
 */
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s mtty|edu GROUP DEVICE N\n", argv[0]); return 2; }
  long n = atol(argv[4]);
  double t0, t1;
  if (strcmp(argv[1], "null") == 0) {
    t0 = now();
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    t1 = now();
    printf("{\"loop\":\"null\",\"ops\":%ld,\"seconds\":%.6f,\"opsPerSec\":%.1f}\n", n, t1 - t0, n / (t1 - t0));
    return 0;
  }
  char path[64];
  int container = open("/dev/vfio/vfio", O_RDWR);
  if (container < 0) die("open container");
  snprintf(path, sizeof path, "/dev/vfio/%s", argv[2]);
  int group = open(path, O_RDWR);
  if (group < 0) die("open group");
  if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container)) die("SET_CONTAINER");
  if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) die("SET_IOMMU");
  int dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[3]);
  if (dev < 0) die("GET_DEVICE_FD");
  struct vfio_device_info info = { .argsz = sizeof info };
  if (ioctl(dev, VFIO_DEVICE_GET_INFO, &info)) die("GET_INFO");
  struct vfio_region_info bar0 = { .argsz = sizeof bar0, .index = VFIO_PCI_BAR0_REGION_INDEX };
  if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar0)) die("GET_REGION_INFO");
  if (strcmp(argv[1], "mtty") == 0) {
    unsigned char b, fcr = 0x07;
    if (pwrite(dev, &fcr, 1, bar0.offset + 2) != 1) die("FCR");
    t0 = now();
    for (long i = 0; i < n; i++) {
      b = (unsigned char)i;
      if (pwrite(dev, &b, 1, bar0.offset) != 1) die("pwrite");
      if (pread(dev, &b, 1, bar0.offset) != 1) die("pread");
      if (b != (unsigned char)i) { fprintf(stderr, "mismatch at %ld\n", i); return 1; }
    }
    t1 = now();
  } else {
    volatile uint32_t *regs = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, bar0.offset);
    if (regs == MAP_FAILED) die("mmap");
    t0 = now();
    for (long i = 0; i < n; i++) {
      regs[1] = (uint32_t)i;
      if (regs[1] != ~(uint32_t)i) { fprintf(stderr, "liveness mismatch at %ld\n", i); return 1; }
    }
    t1 = now();
    munmap((void *)regs, bar0.size);
  }
  printf("{\"loop\":\"%s\",\"ops\":%ld,\"seconds\":%.6f,\"opsPerSec\":%.1f}\n", argv[1], n, t1 - t0, n / (t1 - t0));
  close(dev);
  close(group);
  close(container);
  return 0;
}
