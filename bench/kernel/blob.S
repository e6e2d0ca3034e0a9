/* blob.S - the payload of a bench kernel, BLOB (a file genblob wrote). */
	.section .blob, "a", @progbits
	.balign 4096
	.incbin BLOB
	.section .note.GNU-stack, "", @progbits
