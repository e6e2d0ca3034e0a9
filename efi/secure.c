/*
 * secure.c - Secure Boot: the SBAT section, the config digest enrolled in
 * Runway's signed image, and the checks the firmware's SecureBoot
 * variable turns on (the rules themselves are config/trust.c).
 *
 * The chain of trust: the firmware verifies Runway's signature (which
 * covers .rwconf, so the enrolled digest); Runway refuses a runway.conf
 * whose SHA-256 differs; the config's pins cover every kernel, module and
 * initrd; efi = programs go through the firmware's LoadImage, which
 * verifies them itself.  Started by shim, a file the config does not pin
 * may instead be vouched for by shim's lock protocol, which checks the
 * bytes against the keys shim trusts (its vendor certificate, MOK).
 * docs/DESIGN.md, "Secure Boot".
 */
#include "loader.h"

#include "sha256.h"
#include "trust.h"

/*
 * SBAT (https://github.com/rhboot/shim/blob/main/SBAT.md): one CSV line
 * for the format, one for Runway's own generation.  Raise Runway's
 * generation number when a release fixes a flaw that lets a signed
 * Runway be used to get around Secure Boot, so that older ones can be
 * revoked.
 */
#define SBAT_CSV                                                              \
	"sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n" \
	"runway,1,Runway,runway," RUNWAY_VERSION ",README.md\n"

__attribute__((section(".sbat"), used))
static const char sbat[] = SBAT_CSV;

/*
 * The enrolled config digest: tools/sign.sh -C finds the magic in the
 * .rwconf section and writes the SHA-256 after it before signing.  All
 * zero: none enrolled.  Read through a volatile pointer: the compiler
 * must not fold the zeros it was built with.
 */
struct rwconf {
	char magic[8];
	uint8_t sha256[32];
};
_Static_assert(sizeof(struct rwconf) == 40, "tools/sign.sh writes 32 bytes at offset 8");
_Static_assert(offsetof(struct rwconf, sha256) == 8, "tools/sign.sh writes 32 bytes at offset 8");

__attribute__((section(".rwconf"), used, aligned(8)))
static const struct rwconf rwconf = { .magic = { 'R', 'W', 'C', 'O', 'N', 'F', '0', '1' } };

static struct trust state;

/*
 * shim's lock protocol (shim's own headers, shim.h / protocol_v1.h, are
 * where it is defined; these definitions are Runway's).  Only Verify is
 * used: it checks a buffer holding a whole file (a signed PE image, for a
 * real shim) and answers EFI_SUCCESS or why not.  On x86-64 shim is built
 * with the System V calling convention, not the UEFI one, and the size is
 * 32 bits wide.  Hash and Context are shim's helpers for its own MOK
 * manager; they are listed for the layout only.
 */
#define SHIM_LOCK_GUID \
	{ 0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 } }

struct shim_lock {
	EFI_STATUS __attribute__((sysv_abi)) (*verify)(void *buffer, uint32_t size);
	void *hash;    /* (data, size, PE context, sha256 out, sha1 out) */
	void *context; /* (data, size, PE context out) */
};

static struct shim_lock *shim;

static struct shim_lock *find_shim(void)
{
	static EFI_GUID guid = SHIM_LOCK_GUID;
	struct shim_lock *lock = NULL;

	if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&lock)) || !lock ||
	    !lock->verify)
		return NULL;
	return lock;
}

static bool read_secure_boot(void)
{
	static EFI_GUID global = EFI_GLOBAL_VARIABLE;
	uint8_t value = 0;
	UINTN size = sizeof value;
	EFI_STATUS st = RT->GetVariable(L"SecureBoot", &global, NULL, &size, &value);

	return !EFI_ERROR(st) && size == 1 && value == 1;
}

/* What the firmware says about Secure Boot and shim, once per start. */
static void probe(bool enrolled)
{
	state.secure_boot = read_secure_boot();
	state.enrolled = enrolled;
	shim = find_shim();
	state.shim = shim != NULL;
}

bool secure_boot_on(void)
{
	return state.secure_boot;
}

EFI_STATUS secure_check_config(const void *text, uint64_t len)
{
	const volatile struct rwconf *rc = &rwconf;
	uint8_t enrolled[32], got[32];
	char hex[65];
	struct sha256 h;
	struct rw_err err;

	for (size_t i = 0; i < 32; i++)
		enrolled[i] = rc->sha256[i];
	probe(trust_digest_enrolled(enrolled));
	sha256_init(&h);
	sha256_update(&h, text, len);
	sha256_final(&h, got);
	sha256_hex(got, hex);
	log_event("secureboot enabled=%d enrolled=%d config_sha256=%s shim=%d\n",
		  state.secure_boot, state.enrolled, hex, state.shim);
	if (!state.secure_boot)
		return EFI_SUCCESS;
	if (trust_config_check(enrolled, got, &err))
		return con_fail(EFI_SECURITY_VIOLATION, "%s", err.msg);
	if (!state.enrolled)
		con_printf("Secure Boot is on and no runway.conf digest is enrolled in Runway: kernel entries will be refused (sign Runway with tools/sign.sh -C runway.conf to enrol one).\n");
	return EFI_SUCCESS;
}

void secure_check_no_config(void)
{
	probe(false);
	log_event("secureboot enabled=%d enrolled=0 config=none shim=%d\n", state.secure_boot,
		  state.shim);
}

EFI_STATUS secure_check_entry(const struct config_entry *e)
{
	struct rw_err err;

	if (trust_entry_check(&state, e, &err))
		return con_fail(EFI_SECURITY_VIOLATION, "%s", err.msg);
	return EFI_SUCCESS;
}

EFI_STATUS secure_check_edit(const struct config_entry *e)
{
	if (!state.secure_boot)
		return EFI_SUCCESS;
	return con_fail(EFI_SECURITY_VIOLATION,
			"entry '%s': Secure Boot is on: the command line is the signed runway.conf's and cannot be edited at the menu",
			e->title[0] ? e->title : e->path);
}

bool secure_needs_verify(bool pinned)
{
	return state.secure_boot && !pinned;
}

EFI_STATUS secure_verify_unpinned(const char *what, const char *path,
				  const void *buf, uint64_t size)
{
	EFI_STATUS st;

	if (!state.secure_boot)
		return EFI_SUCCESS;
	/* trust_entry_check lets an unpinned file through only with shim:
	 * without it, this is a caller that forgot to ask. */
	if (!shim)
		return con_fail(EFI_SECURITY_VIOLATION,
				"%s %s: Secure Boot is on, the file is not pinned and shim is not there to verify it",
				what, path);
	if (size > UINT32_MAX)
		return con_fail(EFI_BAD_BUFFER_SIZE,
				"%s %s: %" PRIu64 " bytes: shim's Verify takes at most 4 GiB - 1",
				what, path, size);
	st = shim->verify((void *)buf, (uint32_t)size);
	if (EFI_ERROR(st))
		return con_fail(st, "%s %s: not pinned, and shim's Verify refused it: %s",
				what, path, efi_status_name(st));
	log_event("shim verify path=%s ok\n", path);
	return EFI_SUCCESS;
}
