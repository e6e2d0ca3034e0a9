/*
 * hello.c - the smallest useful kernel for Runway: a starting point for
 * your own.  Build: `make examples` (build/examples/hello.elf); boot:
 * `examples/hello/run.sh`.
 *
 * Runway enters kmain with the System V convention, interrupts off, on its
 * own page tables and stack (docs/PROTOCOL.md).  This kernel prints what
 * the boot info says on COM1, paints the framebuffer, and halts - or,
 * when its command line contains "qemu-exit", leaves QEMU through the
 * isa-debug-exit device (what the test suite does).
 */
#include <stdint.h>

#include "runway/boot.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define COM1 0x3f8

static void putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20)) /* transmitter empty */
		;
	outb(COM1, (uint8_t)c);
}

static void puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc('\r');
		putc(*s);
	}
}

static void putu(uint64_t v)
{
	char buf[21];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc(buf[--n]);
}

static void puthex(uint64_t v)
{
	puts("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		putc("0123456789abcdef"[(v >> shift) & 15]);
}

static int contains(const char *s, const char *word)
{
	for (; *s; s++) {
		int i = 0;
		while (word[i] && s[i] == word[i])
			i++;
		if (!word[i])
			return 1;
	}
	return 0;
}

static const char *type_name(uint32_t t)
{
	static const char *const names[] = {
		"?", "usable", "reserved", "acpi-reclaimable", "acpi-nvs", "bad",
		"loader-reclaimable", "kernel", "module", "framebuffer",
	};
	return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

void kmain(const struct runway_boot_info *bi);
void kmain(const struct runway_boot_info *bi)
{
	puts("hello: Runway handed over\n");
	if (bi->magic != RUNWAY_BOOT_MAGIC || bi->version != RUNWAY_BOOT_VERSION) {
		puts("hello: not a Runway boot info\n");
		for (;;)
			__asm__ volatile("hlt");
	}

	const char *cmdline = (const char *)bi->cmdline;
	puts("hello: cmdline \"");
	puts(cmdline);
	puts("\"\n");

	const struct runway_mmap_entry *map = (const struct runway_mmap_entry *)bi->mmap;
	uint64_t usable = 0;
	for (uint64_t i = 0; i < bi->mmap_count; i++) {
		puts("hello:   ");
		puthex(map[i].base);
		puts(" ");
		putu(map[i].length >> 10);
		puts(" KiB ");
		puts(type_name(map[i].type));
		puts("\n");
		if (map[i].type == RUNWAY_MEM_USABLE)
			usable += map[i].length;
	}

	/* Paint the screen: a gradient, written through the direct map. */
	const struct runway_framebuffer *fb = &bi->framebuffer;
	if (fb->format == RUNWAY_FB_RGBX8888 || fb->format == RUNWAY_FB_BGRX8888) {
		for (uint32_t y = 0; y < fb->height; y++) {
			uint32_t *row = (uint32_t *)(fb->virt + (uint64_t)y * fb->pitch);
			for (uint32_t x = 0; x < fb->width; x++)
				row[x] = ((x * 255 / fb->width) << 16) |
					 ((y * 255 / fb->height) << 8) | 0x40;
		}
	}

	puts("hello: ");
	putu(bi->mmap_count);
	puts(" map entries, ");
	putu(usable >> 20);
	puts(" MiB usable, kernel at ");
	puthex(bi->kernel_virt_base);
	puts(", framebuffer ");
	putu(fb->width);
	puts("x");
	putu(fb->height);
	puts("\nhello: done\n");

	if (contains(cmdline, "qemu-exit"))
		outb(0xf4, 0x10); /* isa-debug-exit: QEMU exits with status 33 */
	for (;;)
		__asm__ volatile("hlt");
}
