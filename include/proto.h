/*
 * proto.h - the protocol seam: one description of a loaded kernel, and the
 * boot protocols that turn it into what a kernel of that protocol receives.
 *
 * The load path (efi/kernel.c: read, validate, claim runs, relocate, build
 * page tables, load modules) fills a struct loaded_kernel.  A protocol
 * (proto/<name>.c, chosen by an entry's `protocol = NAME`) then claims and
 * fills its own structures before ExitBootServices (prepare), writes the
 * final memory map after it (finish), and says where to jump and with what.
 *
 * Pure logic: nothing here calls firmware.  Memory comes from the mm_alloc
 * allocator and is written through a phys-to-pointer callback, so the same
 * protocol code runs in the loader and in host tests.
 *
 * Adding a protocol: one file in proto/ defining a `const struct protocol`,
 * and one line in the table of proto/proto.c.
 */
#ifndef RUNWAY_PROTO_H
#define RUNWAY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "elf64.h"
#include "fmt.h"
#include "mm.h"
#include "runway/boot.h"

#define RUNWAY_VERSION "0.4"

/* A module as loaded: its own run of pages. */
struct loaded_module {
	uint64_t phys;          /* page-aligned */
	uint64_t size;          /* bytes of file content */
	const char *path;       /* as written in the config */
	const char *string;     /* "" if none */
};

/* A video mode: its geometry and pixel layout. */
struct fb_mode {
	uint32_t width, height;  /* pixels */
	uint32_t pitch;          /* bytes per scan line */
	uint32_t bpp;            /* bits per pixel */
	uint32_t red_mask, green_mask, blue_mask, reserved_mask;
	uint32_t number;         /* GOP's mode number */
};

/* A colour mask's lowest bit and its width in bits. */
static inline unsigned fb_mask_shift(uint32_t m)
{
	unsigned s = 0;

	while (m && !(m & 1)) {
		m >>= 1;
		s++;
	}
	return s;
}

static inline unsigned fb_mask_size(uint32_t m)
{
	unsigned n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

#define FB_MODES_MAX 32

/* A linear framebuffer as the firmware set it up (GOP). */
struct fb_info {
	bool present;
	uint64_t phys, size;
	struct fb_mode mode;     /* the current one */
	size_t nmodes;           /* the modes GOP offers with a linear buffer */
	struct fb_mode modes[FB_MODES_MAX];
};

/* Where the loader's files come from. */
struct volume_info {
	uint32_t partition_index;  /* 1-based; 0: unknown or unpartitioned */
	uint32_t mbr_disk_id;      /* 0: not an MBR disk */
	uint8_t gpt_disk_guid[16]; /* zero when unknown (EFI GUID byte order) */
	uint8_t gpt_part_guid[16];
};

/* What the firmware tells about the machine (efi/sysinfo.c). */
struct machine_info {
	struct fb_info fb;
	uint64_t acpi1_rsdp;       /* physical; 0 if none */
	uint64_t acpi2_rsdp;       /* physical; 0 if none */
	uint64_t smbios32_entry;   /* physical; 0 if none */
	uint64_t smbios64_entry;   /* physical (SMBIOS 3); 0 if none */
	uint64_t efi_system_table; /* physical */
	uint64_t efi_image_handle;
	int64_t boot_time;         /* UNIX seconds from the RTC; 0 if unknown */
	uint32_t bsp_apic_id;      /* the processor Runway runs on (xAPIC ID) */
	bool la57;                 /* the CPU has 5-level paging (CPUID 7:ECX[16]) */
	bool x2apic;               /* the CPU has x2APIC (CPUID.1:ECX[21]) */
	bool x2apic_on;            /* ... and the firmware left it in x2APIC mode */
	uint32_t bsp_x2apic_id;    /* CPUID 0xB EDX when it has */
	struct volume_info volume;
};

/* Everything the load path produced: the one input of every protocol. */
struct loaded_kernel {
	const char *path;
	const char *cmdline;
	const struct elf_image *img;  /* segments, entry, span, slide */
	const struct elf_load *ld;    /* the physical pieces they landed in */
	uint64_t phys_base;           /* where vlow landed (the image is
					 * physically contiguous when
					 * ld->nruns == 1) */
	uint64_t hhdm_offset;         /* direct map: virt = phys + offset */
	uint64_t hhdm_size;           /* bytes of physical memory it maps */
	size_t nmodules;
	struct loaded_module modules[CONFIG_MAX_MODULES];
	struct machine_info machine;
	size_t map_cap;               /* regions the final map may have */
	uint64_t efi_map_bytes;       /* bytes the firmware's final map may
				       * take (for a protocol that copies it) */
	uint64_t tsc_entry;           /* this boot attempt began */
	uint64_t tsc_load_start;      /* kernel load began */
	uint64_t tsc_load_done;       /* segments filled, tables built */
	struct runway_load_times times; /* microseconds; total and exit stay
					 * 0 until the hand-off fills them */
};

/* An application processor to start, as the AP finds itself (by APIC
 * ID) in the table the loader hands it (efi/trampoline.S, ap_start). */
struct proto_mp_cpu {
	uint32_t apic_id;
	uint32_t started;      /* set to 1 by the AP when it parks */
	uint64_t info;         /* virtual address the AP keeps in RDI */
	uint64_t stack_top;    /* virtual */
};
_Static_assert(sizeof(struct proto_mp_cpu) == 24, "trampoline.S reads this table");

/* Set by a protocol's prepare when the kernel wants its APs started. */
struct proto_mp {
	size_t count;                /* APs in the table */
	struct proto_mp_cpu *cpus;   /* host pointer to the table */
	uint64_t cpus_virt;          /* its virtual address (for the APs) */
	uint64_t goto_offset;        /* where in *info an AP polls for its jump */
	bool x2apic;                 /* BSP and APs to x2APIC mode; the table
				      * holds x2APIC IDs */
	uint64_t *cpu_count;         /* host: the response's count (BSP
				      * included), lowered for APs that did not
				      * start */
	uint64_t *cpu_ptrs;          /* host: the response's pointers (BSP
				      * first, then the table's order) */
};

/* One hand-off in progress: the protocol's working state and its answer. */
struct proto_run {
	const struct loaded_kernel *k;
	struct mm_alloc *alloc;
	void *(*p2v)(void *ctx, uint64_t phys); /* pointer to write phys */
	void *p2v_ctx;
	void *state;          /* the protocol's own, from plan to finish */
	/* Read a file of the loader's volume into its own run of pages
	 * (module memory); for files the kernel asks for itself. */
	int (*load_file)(void *ctx, const char *path, struct loaded_module *ret,
			 struct rw_err *err);
	void *load_ctx;
	/* Log a machine-readable line ("limine ..."; the loader adds
	 * "runway: "); may be NULL. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* Set by plan: the page tables also map [4 KiB, hhdm_size) at its
	 * physical address (read, write, execute). */
	bool identity_map;
	/* Set by plan: 5-level paging (only when machine.la57), with the
	 * direct map at hhdm_offset (0: keep k->hhdm_offset). */
	bool la57;
	uint64_t hhdm_offset;
	/* Set before finish: the firmware's final memory map, as it stays in
	 * loader memory. */
	uint64_t efi_map;     /* physical */
	uint64_t efi_map_size, efi_desc_size;
	uint32_t efi_desc_version;
	/* Set by prepare: the 64-bit jump (DESIGN.md step 11). */
	uint64_t entry;       /* RIP */
	uint64_t arg;         /* RDI */
	uint64_t stack_top;   /* RSP (virtual, 16-byte aligned) */
	uint64_t gdtr;        /* virtual address of a 10-byte GDTR */
	uint16_t code_sel, data_sel;
	struct proto_mp mp;   /* APs to start after ExitBootServices */
	/* Set by plan: how the kernel is entered.  PROTO_JUMP_LONG: the
	 * 64-bit jump above, on Runway's tables.  PROTO_JUMP_I386: after
	 * ExitBootServices, 32-bit protected mode with paging off, EAX = eax,
	 * EBX = arg, EIP = entry (below 4 GiB).  PROTO_JUMP_EFI: boot services
	 * left running, on the firmware's tables, RAX = eax, RBX = arg; finish
	 * gets the map as it is at the jump. */
	enum { PROTO_JUMP_LONG, PROTO_JUMP_I386, PROTO_JUMP_EFI } jump;
	uint32_t eax;
	/* Optional, set by prepare: where the loader writes k->times, total
	 * and exit included, just before the jump. */
	struct runway_load_times *times_out;
	/* Set by plan: modules (and files the kernel asks for) end at or
	 * below this address (0: anywhere). */
	uint64_t modules_below;
	/* Set by plan: the video mode the kernel would like; the loader sets
	 * the closest one GOP offers (fb_closest) before prepare. */
	struct {
		bool on;
		uint32_t width, height, depth;  /* 0: any */
	} fb_want;
};

struct protocol {
	const char *name;
	/*
	 * Optional, for protocols whose header is in the file (Multiboot):
	 * probe says whether the file's first bytes carry one (entries
	 * without `protocol =`, before anything is loaded); parse reads the
	 * header and describes the image instead of elf_parse (a fixed image,
	 * elf_image.fixed).  head holds the first min(file size, 32 KiB)
	 * bytes.  parse returns 0, or -1 with err set.
	 */
	bool (*probe)(const uint8_t *head, size_t len);
	int (*parse)(const struct elf_file *f, const uint8_t *head, size_t len,
		     struct elf_image *ret_img, struct rw_err *err);
	/* The whole image must be in one physical run (elf_image.one_run). */
	bool one_run;
	/* Optional: does the loaded image ask for this protocol?  For entries
	 * without `protocol =`. */
	bool (*detect)(const struct loaded_kernel *k, void *(*p2v)(void *, uint64_t),
		       void *p2v_ctx);
	/*
	 * Optional, after the segments are loaded and relocated and before
	 * the page tables are built (run->k has the image and the machine
	 * information, no modules yet): read what the kernel asks for, and
	 * set run->identity_map, run->la57 and run->hhdm_offset.  Returns 0,
	 * or -1 with err set.
	 */
	int (*plan)(struct proto_run *run, struct rw_err *err);
	/*
	 * Before ExitBootServices: claim (through run->alloc) and fill what
	 * the kernel receives, with room for the final memory map of up to
	 * run->k->map_cap regions, and set the jump fields of run.  Returns 0,
	 * or -1 with err set; the caller gives back what was claimed.
	 */
	int (*prepare)(struct proto_run *run, struct rw_err *err);
	/*
	 * After ExitBootServices: write the final memory map (normalized
	 * regions of the firmware's last map) and the time stamp taken when
	 * ExitBootServices returned.  Allocates nothing.  Returns 0, or -1
	 * when the map does not fit (prepare sized it: a bug).
	 */
	int (*finish)(struct proto_run *run, const struct mm_region *reg,
		      size_t nreg, uint64_t tsc_exit);
};

/* The protocol named `name` ("" is the default, runway); NULL if none. */
const struct protocol *proto_find(const char *name);

/* For an entry without `protocol =`: the first protocol whose detect
 * says yes, else runway. */
const struct protocol *proto_detect(const struct loaded_kernel *k,
				    void *(*p2v)(void *, uint64_t), void *p2v_ctx);

/* For an entry without `protocol =`: the first protocol whose probe finds
 * its header in the file's first bytes; NULL if none. */
const struct protocol *proto_probe(const uint8_t *head, size_t len);

/* The file bytes a probe or parse reads: the first 32 KiB. */
#define PROTO_HEAD_MAX 32768

/* The index in fb->modes of the mode closest to width x height (then to
 * depth bits per pixel); 0 in a field means any.  -1 when there are no
 * modes. */
int fb_closest(const struct fb_info *fb, uint32_t width, uint32_t height,
	       uint32_t depth);

/* A machine-readable log line through run->log (nothing when it is NULL). */
void proto_say(const struct proto_run *run, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

/* The known protocol names, comma-separated, for error messages. */
const char *proto_names(void);

extern const struct protocol proto_runway;
extern const struct protocol proto_limine;
extern const struct protocol proto_multiboot2;
extern const struct protocol proto_multiboot1;

#endif
