/* The application-side vDSO image (app/vdso.c), built by kernel/CMakeLists.txt. */
	.section .rodata
	.balign 4096
	.globl	vdso_image_start
vdso_image_start:
	.incbin	"vdso.so"
	.globl	vdso_image_end
vdso_image_end:
	.section .note.GNU-stack,"",@progbits
