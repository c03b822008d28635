/*
 * The guest's fixed layout and the trampoline's exit ports, shared by the C side and
 * kvm_tramp.S, so only #defines. Offsets are within the arena (memory slot 0).
 */
#ifndef SBX_KVM_LAYOUT_H
#define SBX_KVM_LAYOUT_H

/*
 * Supervisor window: PML4 slot 496, inside the widest PVM linear-address range
 * (PML4 indexes 256..509; the top 2 GiB are never allowed) and far from anything an
 * application can map (the lower half).
 */
#define KVM_SUP_VA		0xfffff80000000000
#define KVM_SUP_PML4_INDEX	496

#define KVM_ARENA_SIZE		0x4000000	/* 64 MiB, lazily backed */
#define KVM_ARENA_SLOT		0
#define KVM_CHUNK_SLOT0		1		/* memory-file chunk c is slot 1 + c */
#define KVM_MEM_CHUNK		0x40000000	/* 1 GiB */
#define KVM_ARENA_ALIGN		0x40000000	/* arena GPA: memory file size rounded up */

#define KVM_TRAMP_OFF		0x0		/* trampoline code, at most a page */
#define KVM_IDT_OFF		0x1000		/* VMX: the shared IDT */
#define KVM_LANDING_OFF		0x2000		/* native: the user-mode SYSCALL landing */
#define KVM_OPS_OFF		0x10000		/* queued page-table writes */
#define KVM_OPS_MAX		4096		/* 16 bytes each: 64 KiB */
#define KVM_VCPU_AREA_OFF	0x100000	/* per-vCPU areas */
#define KVM_VCPU_AREA_SIZE	0x4000
#define KVM_MAX_VCPUS		64
#define KVM_PT_POOL_OFF		0x200000	/* page-table pages from here to the end */

/*
 * kvm_pvm's native mode runs SYSCALL without leaving CPL3 (RIP = LSTAR, CS unchanged;
 * machine-limits.md section 2), so LSTAR points at a user-readable page just above
 * max_user_addr, in a 2 MiB region no application mapping shares, holding "ud2": the
 * #UD then enters ring 0 through the IDT, which works there.
 */
#define KVM_LANDING_VA		0x7fffff000000

/* Inside a per-vCPU area. */
#define KVM_AREA_PVCS		0x0		/* PVM: the vCPU struct (MSR_PVM_VCPU_STRUCT) */
#define KVM_AREA_GDT		0x1000		/* VMX: GDT, TSS at +0x80 */
#define KVM_AREA_TSS		0x1080
#define KVM_AREA_MSRS		0x1800		/* PVM boot: (index, value) pairs */
#define KVM_AREA_STACK_TOP	0x4000		/* VMX: TSS.rsp0; the iret frame below it */

/* Exit ports: the trampoline does "outb %al, $port" and the VMM sees KVM_EXIT_IO. */
#define KVM_PORT_SYSCALL	0xe0
#define KVM_PORT_EVENT		0xe1
#define KVM_PORT_FATAL		0xe2
#define KVM_PORT_BOOT		0xe3
#define KVM_PORT_PTDONE		0xe4
#define KVM_PORT_FLUSHED	0xe5

/* The x86 PVM ABI (Documentation/virt/kvm/x86/pvm-spec.rst). */
#define PVM_MSR_LINEAR_ADDRESS_RANGE	0x4b564df0
#define PVM_MSR_VCPU_STRUCT		0x4b564df1
#define PVM_MSR_EVENT_ENTRY		0x4b564df4
#define PVM_MSR_RETU_RIP		0x4b564df5
#define PVM_SUPERVISOR_EVENT_OFFSET	512
#define PVM_HC_TLB_FLUSH		0x17088203

/* Selectors: Linux's, which PVM requires for user CS/SS (STAR derives them). */
#define KVM_KERNEL_CS		0x10
#define KVM_KERNEL_DS		0x18
#define KVM_USER32_CS		0x23
#define KVM_USER_DS		0x2b
#define KVM_USER_CS		0x33
#define KVM_TSS_SEL		0x38

/* VMX IDT stubs are this many bytes apart, vector 0 first. */
#define KVM_VMX_STUB_SIZE	16
#define KVM_VMX_NVEC		32		/* exceptions; int $0x80 has its own stub */

#endif
