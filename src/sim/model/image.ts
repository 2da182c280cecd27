// Disk images as plain data: what qemu-img, qemu-io, libvirt volumes and domain disks share.

/** A disk image stored in a file node. Sizes are in bytes. */
export interface DiskImage {
  /** raw, qcow2, qed, vmdk, vdi, vpc, vhdx ... */
  format: string;
  /** Guest-visible size. */
  virtualSize: number;
  /** File length as `ls -l` shows it. */
  fileLength: number;
  /** Bytes actually allocated on the host filesystem (`disk size` in qemu-img info). */
  allocated: number;
  /** Backing file as recorded in the image header (may be relative to the image's directory). */
  backingFile?: string;
  backingFormat?: string;
}

/**
 * A new, empty image as `qemu-img create` would make it. The qemu-img model refines sizes per format;
 * other subsystems (libvirt volumes, xen-create-image) must create images only through this function.
 */
export function newImage(format: string, virtualSize: number, o: { backingFile?: string; backingFormat?: string } = {}): DiskImage {
  const fileLength = format === "raw" ? virtualSize : 196_608;
  return {
    format,
    virtualSize,
    fileLength,
    allocated: format === "raw" ? 0 : fileLength,
    ...(o.backingFile !== undefined ? { backingFile: o.backingFile } : {}),
    ...(o.backingFormat !== undefined ? { backingFormat: o.backingFormat } : {}),
  };
}
