/*
 * The guest's ring-0 trampoline. The VMM copies kvm_tramp_start..kvm_tramp_end to
 * arena offset 0, which every address space maps supervisor-only at KVM_SUP_VA, so
 * all of it is position-independent and none of it runs on the host.
 *
 * It does almost nothing: every way in from user mode is one "outb" to an exit port,
 * and the VMM, which keeps the application's registers, points rip at the way back
 * out (ERETU on PVM, IRETQ on VMX) before the next KVM_RUN. No guest register is
 * touched on the way in, so the VMM reads the user's registers straight from the
 * exit (sync regs), plus what the CPU or the PVM hypervisor saved (PVCS or the
 * exception frame).
 */
#include "kvm_layout.h"

	.section .rodata, "a"
	.balign 4096
	.globl kvm_tramp_start, kvm_tramp_end
	.globl kvm_pvm_syscall, kvm_pvm_retu, kvm_pvm_flush, kvm_pvm_boot, kvm_pvm_event
	.globl kvm_tramp_ptapply
	.globl kvm_vmx_syscall, kvm_vmx_iret, kvm_vmx_flush, kvm_vmx_vectors, kvm_vmx_int80

kvm_tramp_start:

/*
 * PVM. A user syscall arrives here (MSR_LSTAR) in supervisor mode with rip/rflags/
 * rcx/r11 of the user in the PVCS and every other register still the user's.
 */
kvm_pvm_syscall:
	outb	%al, $KVM_PORT_SYSCALL
	/* The VMM resumes here with the user's registers and PVCS filled in. */
kvm_pvm_retu:				/* MSR_PVM_RETU_RIP: "syscall" here is ERETU */
	syscall
	ud2

/* A TLB flush (after the address space lost mappings), then back to the VMM. */
kvm_pvm_flush:
	movl	$PVM_HC_TLB_FLUSH, %eax
	movq	%rcx, %r10
	syscall				/* in supervisor mode: a hypercall */
	outb	%al, $KVM_PORT_FLUSHED
	ud2

/*
 * Boot: WRMSR the (index, value) pairs at %rbx, %rbp of them (never 0), then read
 * the linear-address range into %r15 for the VMM to check. The PVM MSRs are written
 * by the guest itself in supervisor mode; the VCPU_STRUCT and EVENT_ENTRY pairs come
 * first, so a later faulting WRMSR is reported through the event entry.
 */
kvm_pvm_boot:
1:	movl	(%rbx), %ecx
	movl	8(%rbx), %eax
	movl	12(%rbx), %edx
	wrmsr
	addq	$16, %rbx
	decq	%rbp
	jnz	1b
	movl	$PVM_MSR_LINEAR_ADDRESS_RANGE, %ecx
	rdmsr
	shlq	$32, %rdx
	movl	%eax, %eax
	orq	%rdx, %rax
	movq	%rax, %r15
	outb	%al, $KVM_PORT_BOOT
	ud2

/*
 * Page-table writes made by the guest, so that a shadow-paging hypervisor (PVM)
 * sees them: %rbx points at %rbp (never 0) pairs (dst, value); dst with bit 0 set is
 * a whole page to zero. Both modes use it.
 */
kvm_tramp_ptapply:
1:	movq	(%rbx), %rdi
	movq	8(%rbx), %rax
	testq	$1, %rdi
	jnz	2f
	movq	%rax, (%rdi)
	jmp	4f
2:	andq	$-2, %rdi
	movl	$512, %ecx
3:	movq	$0, (%rdi)
	addq	$8, %rdi
	decl	%ecx
	jnz	3b
4:	addq	$16, %rbx
	decq	%rbp
	jnz	1b
	outb	%al, $KVM_PORT_PTDONE
	ud2

/*
 * PVM vector events: from user mode at MSR_PVM_EVENT_ENTRY (vector, error code and
 * CR2 in the PVCS), from supervisor mode 512 bytes further on: a fault in the
 * trampoline itself, which is fatal.
 */
	.balign 512
kvm_pvm_event:
	outb	%al, $KVM_PORT_EVENT
	ud2
	.org	kvm_pvm_event + PVM_SUPERVISOR_EVENT_OFFSET
	outb	%al, $KVM_PORT_FATAL
	ud2

/*
 * VMX/SVM (untested here). SYSCALL enters at CPL0 on the user's stack with rcx/r11
 * holding rip/rflags: exit at once. The VMM returns through kvm_vmx_iret with an
 * IRETQ frame it wrote below the vCPU's stack top, so any user rcx/r11 survive.
 */
kvm_vmx_syscall:
	outb	%al, $KVM_PORT_SYSCALL
kvm_vmx_iret:
	iretq

kvm_vmx_flush:
	movq	%cr3, %rax
	movq	%rax, %cr3
	outb	%al, $KVM_PORT_FLUSHED
	ud2

/*
 * Exception stubs, KVM_VMX_STUB_SIZE bytes apart: push a zero error code where the
 * CPU pushes none, then the vector. The VMM finds [vector, error, rip, cs, rflags,
 * rsp, ss] at the stack pointer (TSS.rsp0 - 56).
 */
	.macro	vmx_stub vec
	.balign	KVM_VMX_STUB_SIZE
	.if (\vec == 8 || \vec == 10 || \vec == 11 || \vec == 12 || \vec == 13 || \vec == 14 || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	kvm_vmx_event
	.endm

	.balign	KVM_VMX_STUB_SIZE
kvm_vmx_vectors:
	.altmacro
	.set	vec, 0
	.rept	KVM_VMX_NVEC
	vmx_stub %vec
	.set	vec, vec + 1
	.endr
	.noaltmacro

	.balign	KVM_VMX_STUB_SIZE
kvm_vmx_int80:
	pushq	$0
	pushq	$0x80
kvm_vmx_event:
	outb	%al, $KVM_PORT_EVENT
	ud2

kvm_tramp_end:

	.section .note.GNU-stack, "", @progbits
