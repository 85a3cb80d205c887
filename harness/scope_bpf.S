/* SPDX-License-Identifier: GPL-2.0 */
/* The compiled scope program (harness/bpf/scope.bpf.c), linked into the
 * harness so that one binary carries it into the guest. */
	.section .rodata
	.balign 8
	.global scope_bpf_obj
	.global scope_bpf_obj_end
scope_bpf_obj:
	.incbin SCOPE_BPF_OBJ
scope_bpf_obj_end:
	.section .note.GNU-stack,"",@progbits
