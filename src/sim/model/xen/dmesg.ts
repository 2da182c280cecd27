// The hypervisor's console ring after boot, as `xl dmesg` prints it ((XEN)-prefixed lines).
import type { XenState } from "./state";

export function hostDmesg(x: XenState, memoryKiB: number): string[] {
  const i = x.info;
  const dom0 = x.domains.find((d) => d.domid === 0);
  const memMiB = Math.floor(memoryKiB / 1024);
  const sched = x.scheduler === "credit2" ? "SMP Credit Scheduler rev2 (credit2)" : "SMP Credit Scheduler (credit)";
  const top = (memoryKiB * 1024 - 1).toString(16).padStart(16, "0");
  return [
    `(XEN) Xen version 4.17.7 (${i.ccCompileBy}@${i.ccCompileDomain}) (${i.ccCompiler}) debug=n ${i.ccCompileDate}`,
    "(XEN) Bootloader: GRUB 2.06-13+deb12u1",
    `(XEN) Command line: ${i.commandline}`,
    "(XEN) Xen image load base address: 0",
    "(XEN) Video information:",
    "(XEN)  VGA is text mode 80x25, font 8x16",
    "(XEN) Disc information:",
    "(XEN)  Found 1 MBR signatures",
    "(XEN)  Found 1 EDD information structures",
    "(XEN) CPU Vendor: Intel, Family 6 (0x6), Model 85 (0x55), Stepping 7 (raw 00050657)",
    "(XEN) Xen-e820 RAM map:",
    "(XEN)  [0000000000000000, 000000000009fbff] (usable)",
    "(XEN)  [000000000009fc00, 000000000009ffff] (reserved)",
    "(XEN)  [00000000000f0000, 00000000000fffff] (reserved)",
    `(XEN)  [0000000000100000, ${top}] (usable)`,
    `(XEN) System RAM: ${memMiB}MB (${memoryKiB}kB)`,
    "(XEN) Domain heap initialised",
    "(XEN) ACPI: 32/64X FACS address mismatch in FADT - 7ffe0000/0000000000000000, using 32",
    `(XEN) Using scheduler: ${sched}`,
    x.scheduler === "credit2" ? "(XEN) Initializing Credit2 scheduler" : "(XEN) Initializing Credit scheduler",
    "(XEN) Platform timer is 14.318MHz HPET",
    `(XEN) Detected ${x.info.cpuMhz}.000 MHz processor.`,
    "(XEN) Intel VT-d iommu 0 supported page sizes: 4kB, 2MB, 1GB",
    "(XEN) Intel VT-d Snoop Control enabled.",
    "(XEN) I/O virtualisation enabled",
    "(XEN) HVM: ASIDs enabled.",
    "(XEN) VMX: Supported advanced features:",
    "(XEN)  - APIC MMIO access virtualisation",
    "(XEN)  - APIC TPR shadow",
    "(XEN)  - Extended Page Tables (EPT)",
    "(XEN)  - Virtual-Processor Identifiers (VPID)",
    "(XEN)  - Virtual NMI",
    "(XEN)  - MSR direct-access bitmap",
    "(XEN)  - Unrestricted Guest",
    "(XEN) HVM: VMX enabled",
    "(XEN) HVM: Hardware Assisted Paging (HAP) detected",
    "(XEN) HVM: HAP page sizes: 4kB, 2MB, 1GB",
    `(XEN) Brought up ${x.nrCpus} CPUs`,
    `(XEN) Dom0 has maximum ${dom0?.maxVcpus ?? 4} VCPUs`,
    "(XEN) *** Building a PV Dom0 ***",
    "(XEN)  Xen  kernel: 64-bit, lsb",
    "(XEN)  Dom0 kernel: 64-bit, PAE, lsb, paddr 0x1000000 -> 0x3000000",
    "(XEN) PHYSICAL MEMORY ARRANGEMENT:",
    `(XEN)  Dom0 alloc.:   0000000440000000->0000000444000000 (${Math.floor((dom0?.memKiB ?? 2097152) / 4)} pages to be allocated)`,
    "(XEN)  Init. ramdisk: 000000047e8f1000->000000047ffff2d4",
    "(XEN) Initial low memory virq threshold set at 0x4000 pages.",
    "(XEN) Scrubbing Free RAM in background",
    "(XEN) Std. Loglevel: Errors and warnings",
    "(XEN) Guest Loglevel: Nothing (Rate-limited: Errors and warnings)",
    "(XEN) Xen is relinquishing VGA console.",
    "(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)",
    "(XEN) Freed 644kB init memory",
  ];
}
