/** A VFIO group (/dev/vfio/N): viability, its container, and the device fds it hands out. */
import { Device } from './device.js';
import { closeAll, kcall, type VfioIo } from './io.js';
import type { Container } from './container.js';
import { decode, encode, GROUP_FLAGS, groupStatus, IOCTL } from './structs.js';
import { vfioNode } from '../env.js';

export interface GroupStatus {
  viable: boolean;
  containerSet: boolean;
}

export class Group {
  private attached = false;
  private closed = false;

  constructor(
    private readonly io: VfioIo,
    readonly fd: number,
    readonly id: number,
  ) {}

  get path(): string {
    return vfioNode(this.id);
  }

  status(): GroupStatus {
    const buf = encode(groupStatus, { argsz: groupStatus.size });
    kcall(this.io, 'VFIO_GROUP_GET_STATUS', this.path, () => this.io.sys.ioctl(this.fd, IOCTL.GROUP_GET_STATUS, buf));
    const { flags } = decode(groupStatus, buf);
    return { viable: (flags & GROUP_FLAGS.VIABLE) !== 0, containerSet: (flags & GROUP_FLAGS.CONTAINER_SET) !== 0 };
  }

  setContainer(container: Container): void {
    const arg = Buffer.alloc(4);
    arg.writeInt32LE(container.fd);
    kcall(this.io, 'VFIO_GROUP_SET_CONTAINER', this.path, () => this.io.sys.ioctl(this.fd, IOCTL.GROUP_SET_CONTAINER, arg));
    this.attached = true;
  }

  /** `name` is what the kernel calls the device: the mdev UUID or the PCI address. */
  getDevice(name: string): Device {
    const fd = kcall(this.io, 'VFIO_GROUP_GET_DEVICE_FD', `${this.path} ${name}`, () =>
      this.io.sys.ioctl(this.fd, IOCTL.GROUP_GET_DEVICE_FD, Buffer.from(`${name}\0`)),
    );
    return new Device(this.io, fd, name);
  }

  /** Detaches from the container (if attached) and closes the fd. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const steps = [() => this.io.sys.close(this.fd)];
    if (this.attached) {
      steps.unshift(() =>
        kcall(this.io, 'VFIO_GROUP_UNSET_CONTAINER', this.path, () => this.io.sys.ioctlInt(this.fd, IOCTL.GROUP_UNSET_CONTAINER, 0)),
      );
    }
    closeAll(steps);
  }
}
