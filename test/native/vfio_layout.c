/*
 * Prints the compiler's layout of the VFIO structs accelctl encodes by hand
 * (src/vfio/structs.ts), as JSON: {"struct":{"size":N,"fields":{"f":[offset,size]}}}.
 * test/unit/vfio-layout.test.ts compiles and runs it and compares.
 */
#include <linux/vfio.h>
#include <stddef.h>
#include <stdio.h>

static int first_struct = 1, first_field;

#define BEGIN(s) do { \
    printf("%s\"%s\":{\"size\":%zu,\"fields\":{", first_struct ? "" : ",", #s, sizeof(struct s)); \
    first_struct = 0; first_field = 1; } while (0)
#define FIELD(s, f) do { \
    printf("%s\"%s\":[%zu,%zu]", first_field ? "" : ",", #f, offsetof(struct s, f), sizeof(((struct s *)0)->f)); \
    first_field = 0; } while (0)
#define END() printf("}}")

int main(void) {
  printf("{");
  BEGIN(vfio_info_cap_header); FIELD(vfio_info_cap_header, id); FIELD(vfio_info_cap_header, version); FIELD(vfio_info_cap_header, next); END();
  BEGIN(vfio_group_status); FIELD(vfio_group_status, argsz); FIELD(vfio_group_status, flags); END();
  BEGIN(vfio_device_info); FIELD(vfio_device_info, argsz); FIELD(vfio_device_info, flags); FIELD(vfio_device_info, num_regions);
  FIELD(vfio_device_info, num_irqs); FIELD(vfio_device_info, cap_offset); END();
  BEGIN(vfio_region_info); FIELD(vfio_region_info, argsz); FIELD(vfio_region_info, flags); FIELD(vfio_region_info, index);
  FIELD(vfio_region_info, cap_offset); FIELD(vfio_region_info, size); FIELD(vfio_region_info, offset); END();
  BEGIN(vfio_irq_info); FIELD(vfio_irq_info, argsz); FIELD(vfio_irq_info, flags); FIELD(vfio_irq_info, index); FIELD(vfio_irq_info, count); END();
  BEGIN(vfio_irq_set); FIELD(vfio_irq_set, argsz); FIELD(vfio_irq_set, flags); FIELD(vfio_irq_set, index); FIELD(vfio_irq_set, start);
  FIELD(vfio_irq_set, count); END();
  BEGIN(vfio_iommu_type1_info); FIELD(vfio_iommu_type1_info, argsz); FIELD(vfio_iommu_type1_info, flags);
  FIELD(vfio_iommu_type1_info, iova_pgsizes); FIELD(vfio_iommu_type1_info, cap_offset); END();
  BEGIN(vfio_iommu_type1_dma_map); FIELD(vfio_iommu_type1_dma_map, argsz); FIELD(vfio_iommu_type1_dma_map, flags);
  FIELD(vfio_iommu_type1_dma_map, vaddr); FIELD(vfio_iommu_type1_dma_map, iova); FIELD(vfio_iommu_type1_dma_map, size); END();
  BEGIN(vfio_iommu_type1_dma_unmap); FIELD(vfio_iommu_type1_dma_unmap, argsz); FIELD(vfio_iommu_type1_dma_unmap, flags);
  FIELD(vfio_iommu_type1_dma_unmap, iova); FIELD(vfio_iommu_type1_dma_unmap, size); END();
  BEGIN(vfio_region_info_cap_sparse_mmap); FIELD(vfio_region_info_cap_sparse_mmap, header);
  FIELD(vfio_region_info_cap_sparse_mmap, nr_areas); FIELD(vfio_region_info_cap_sparse_mmap, reserved); END();
  BEGIN(vfio_region_sparse_mmap_area); FIELD(vfio_region_sparse_mmap_area, offset); FIELD(vfio_region_sparse_mmap_area, size); END();
  BEGIN(vfio_region_info_cap_type); FIELD(vfio_region_info_cap_type, header); FIELD(vfio_region_info_cap_type, type);
  FIELD(vfio_region_info_cap_type, subtype); END();
  BEGIN(vfio_iommu_type1_info_cap_iova_range); FIELD(vfio_iommu_type1_info_cap_iova_range, header);
  FIELD(vfio_iommu_type1_info_cap_iova_range, nr_iovas); FIELD(vfio_iommu_type1_info_cap_iova_range, reserved); END();
  BEGIN(vfio_iova_range); FIELD(vfio_iova_range, start); FIELD(vfio_iova_range, end); END();
  BEGIN(vfio_iommu_type1_info_dma_avail); FIELD(vfio_iommu_type1_info_dma_avail, header); FIELD(vfio_iommu_type1_info_dma_avail, avail); END();
  BEGIN(vfio_iommu_type1_info_cap_migration); FIELD(vfio_iommu_type1_info_cap_migration, header);
  FIELD(vfio_iommu_type1_info_cap_migration, flags); FIELD(vfio_iommu_type1_info_cap_migration, pgsize_bitmap);
  FIELD(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size); END();
  printf(",\"ioctl\":{\"GET_API_VERSION\":%lu,\"CHECK_EXTENSION\":%lu,\"SET_IOMMU\":%lu,\"GROUP_GET_STATUS\":%lu,"
         "\"GROUP_SET_CONTAINER\":%lu,\"GROUP_UNSET_CONTAINER\":%lu,\"GROUP_GET_DEVICE_FD\":%lu,\"DEVICE_GET_INFO\":%lu,"
         "\"DEVICE_GET_REGION_INFO\":%lu,\"DEVICE_GET_IRQ_INFO\":%lu,\"DEVICE_SET_IRQS\":%lu,\"DEVICE_RESET\":%lu,"
         "\"IOMMU_GET_INFO\":%lu,\"IOMMU_MAP_DMA\":%lu,\"IOMMU_UNMAP_DMA\":%lu}",
         (unsigned long)VFIO_GET_API_VERSION, (unsigned long)VFIO_CHECK_EXTENSION, (unsigned long)VFIO_SET_IOMMU,
         (unsigned long)VFIO_GROUP_GET_STATUS, (unsigned long)VFIO_GROUP_SET_CONTAINER, (unsigned long)VFIO_GROUP_UNSET_CONTAINER,
         (unsigned long)VFIO_GROUP_GET_DEVICE_FD, (unsigned long)VFIO_DEVICE_GET_INFO, (unsigned long)VFIO_DEVICE_GET_REGION_INFO,
         (unsigned long)VFIO_DEVICE_GET_IRQ_INFO, (unsigned long)VFIO_DEVICE_SET_IRQS, (unsigned long)VFIO_DEVICE_RESET,
         (unsigned long)VFIO_IOMMU_GET_INFO, (unsigned long)VFIO_IOMMU_MAP_DMA, (unsigned long)VFIO_IOMMU_UNMAP_DMA);
  printf("}\n");
  return 0;
}
