/*
 * console.c - text output on the firmware console, and status names.
 *
 * Runway formats in ASCII (lib/fmt.c) and converts to UCS-2 here.  OVMF
 * mirrors the console on the serial port, which is what tests read.
 */
#include "loader.h"

#include <stdarg.h>
#include <string.h>

void con_init(void)
{
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = ST->ConOut;
	UINTN best = 0, best_cols = 0, cols, rows;

	/* The widest text mode: long log lines stay on one line. */
	for (UINTN mode = 0; mode < (UINTN)out->Mode->MaxMode; mode++) {
		if (out->QueryMode(out, mode, &cols, &rows) == EFI_SUCCESS &&
		    cols > best_cols) {
			best = mode;
			best_cols = cols;
		}
	}
	if (best_cols && (INTN)best != out->Mode->Mode)
		out->SetMode(out, best);
}

/* A progress line (con_progress) is on screen without its newline: the
 * next output ends it first, so that no log line starts mid-bar. */
static bool line_open;

/* `quiet = yes` (con_set_quiet): no log lines, and a progress line only
 * for a read still going after a second.  Errors, and what asks the user
 * something, are written all the same. */
static bool quiet;

void con_set_quiet(bool on)
{
	quiet = on;
}

static void put_ascii(const char *s)
{
	static bool banner_shown;
	CHAR16 buf[257];
	UINTN n = 0;

	/* Before the first output, whatever it is: a quiet boot that goes
	 * well writes nothing at all. */
	if (!banner_shown) {
		banner_shown = true;
		put_ascii("Runway " RUNWAY_VERSION "\n");
	}
	for (; *s; s++) {
		if (n + 3 >= sizeof buf / sizeof buf[0]) {
			buf[n] = 0;
			ST->ConOut->OutputString(ST->ConOut, buf);
			n = 0;
		}
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = (CHAR16)(unsigned char)*s;
	}
	buf[n] = 0;
	ST->ConOut->OutputString(ST->ConOut, buf);
}

/* prefix, then f: longer output is cut with "..." and keeps its final
 * newline (fmt_line_v), one event being one line, whatever its length. */
static void con_vprintf(const char *prefix, const char *f, va_list ap)
{
	char line[1024];
	size_t n = strlen(prefix);

	memcpy(line, prefix, n);
	fmt_line_v(line + n, sizeof line - n, f, ap);
	con_end_line();
	put_ascii(line);
}

void con_printf(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	con_vprintf("", f, ap);
	va_end(ap);
}

void log_event(const char *f, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, f);
	con_vprintf("runway: ", f, ap);
	va_end(ap);
}

void con_end_line(void)
{
	if (line_open)
		put_ascii("\n");
	line_open = false;
}

static char last_error[1024];

void con_report(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	fmt_line_v(last_error, sizeof last_error, f, ap);
	va_end(ap);
	con_end_line();
	put_ascii("runway: error: ");
	put_ascii(last_error);
	put_ascii("\n");
}

const char *con_last_error(void)
{
	return last_error;
}

void con_clear_error(void)
{
	last_error[0] = 0;
}

/* The names by error number n (EFIERR(n); 0 is EFI_SUCCESS), one string
 * after another, empty for a number without one: a table of pointers
 * would be a relocation each, and the switch this was, 750 bytes of
 * compares. */
static const char status_names[] =
	"EFI_SUCCESS\0" /* 0 */
	"EFI_LOAD_ERROR\0" /* 1 */
	"EFI_INVALID_PARAMETER\0" /* 2 */
	"EFI_UNSUPPORTED\0" /* 3 */
	"EFI_BAD_BUFFER_SIZE\0" /* 4 */
	"EFI_BUFFER_TOO_SMALL\0" /* 5 */
	"EFI_NOT_READY\0" /* 6 */
	"EFI_DEVICE_ERROR\0" /* 7 */
	"EFI_WRITE_PROTECTED\0" /* 8 */
	"EFI_OUT_OF_RESOURCES\0" /* 9 */
	"EFI_VOLUME_CORRUPTED\0" /* 10 */
	"EFI_VOLUME_FULL\0" /* 11 */
	"EFI_NO_MEDIA\0" /* 12 */
	"EFI_MEDIA_CHANGED\0" /* 13 */
	"EFI_NOT_FOUND\0" /* 14 */
	"EFI_ACCESS_DENIED\0" /* 15 */
	"EFI_NO_RESPONSE\0" /* 16 */
	"EFI_NO_MAPPING\0" /* 17 */
	"EFI_TIMEOUT\0" /* 18 */
	"EFI_NOT_STARTED\0" /* 19 */
	"EFI_ALREADY_STARTED\0" /* 20 */
	"EFI_ABORTED\0" /* 21 */
	"EFI_ICMP_ERROR\0" /* 22 */
	"EFI_TFTP_ERROR\0" /* 23 */
	"EFI_PROTOCOL_ERROR\0" /* 24 */
	"\0" /* 25 */
	"EFI_SECURITY_VIOLATION\0" /* 26 */
	"\0" /* 27 */
	"\0" /* 28 */
	"\0" /* 29 */
	"\0" /* 30 */
	"EFI_END_OF_FILE\0"; /* 31 */

const char *efi_status_name(EFI_STATUS st)
{
	const char *s = status_names, *end = status_names + sizeof status_names - 1;
	EFI_STATUS n = st & ~EFI_ERROR_MASK;

	if (st == RUNWAY_IS_A_DIRECTORY)
		return "RUNWAY_IS_A_DIRECTORY";
	if (n && n == st) /* a warning: none has a name here */
		return "EFI_STATUS(unknown)";
	for (; n && s < end; n--)
		s += strlen(s) + 1;
	return *s ? s : "EFI_STATUS(unknown)";
}

bool con_read_key(unsigned seconds, EFI_INPUT_KEY *ret_key)
{
	EFI_EVENT timer = NULL, events[2] = { ST->ConIn->WaitForKey };
	UINTN which = 0, n = 1;

	if (seconds) {
		if (BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &timer) != EFI_SUCCESS)
			return false;
		BS->SetTimer(timer, TimerRelative, (uint64_t)seconds * 10000000);
		events[n++] = timer;
	}
	for (;;) {
		BS->WaitForEvent(n, events, &which);
		/* A key event without a key (it was read elsewhere): wait on. */
		if (which != 0 || ST->ConIn->ReadKeyStroke(ST->ConIn, ret_key) ==
					  EFI_SUCCESS)
			break;
	}
	if (timer)
		BS->CloseEvent(timer);
	return which == 0;
}

void con_size(size_t *ret_cols, size_t *ret_rows)
{
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = ST->ConOut;
	UINTN cols = 0, rows = 0;

	/* A firmware that cannot say is treated as the mode every console
	 * has (UEFI 2.10, 12.4: mode 0 is 80x25). */
	if (out->QueryMode(out, (UINTN)out->Mode->Mode, &cols, &rows) != EFI_SUCCESS ||
	    cols < 20 || rows < 10) {
		cols = 80;
		rows = 25;
	}
	*ret_cols = cols;
	*ret_rows = rows;
}

/* The mode console-mode auto picks: the largest (by cells) of at most
 * AUTO_MAX_COLS columns, so that a menu on a large screen does not shrink
 * into a corner in a tiny font; mode 0 when none fits. */
#define AUTO_MAX_COLS 128

static INTN auto_mode(SIMPLE_TEXT_OUTPUT_INTERFACE *out)
{
	UINTN cols, rows, best_cells = 0;
	INTN best = 0;

	for (INTN mode = 0; mode < out->Mode->MaxMode; mode++) {
		if (out->QueryMode(out, (UINTN)mode, &cols, &rows) != EFI_SUCCESS ||
		    cols > AUTO_MAX_COLS || cols * rows <= best_cells)
			continue;
		best = mode;
		best_cells = cols * rows;
	}
	return best;
}

void con_apply_mode(enum config_console_mode how, unsigned number)
{
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = ST->ConOut;
	INTN mode;
	UINTN cols, rows;

	switch (how) {
	case CONFIG_CONSOLE_AUTO: mode = auto_mode(out); break;
	case CONFIG_CONSOLE_MAX: mode = out->Mode->MaxMode - 1; break;
	case CONFIG_CONSOLE_NUMBER: mode = (INTN)number; break;
	default: return;
	}
	if (mode < 0 || mode >= out->Mode->MaxMode ||
	    out->QueryMode(out, (UINTN)mode, &cols, &rows) != EFI_SUCCESS) {
		con_report("console-mode %d: the console has no such mode (modes 0-%d): keeping mode %d",
			   (int)mode, (int)out->Mode->MaxMode - 1, (int)out->Mode->Mode);
		return;
	}
	/* Said even when nothing changes, so that the log shows the mode
	 * console-mode asked for. */
	if (mode == out->Mode->Mode) {
		log_event("console mode=%d cols=%u rows=%u (already set)\n", (int)mode,
			  (unsigned)cols, (unsigned)rows);
		return;
	}
	EFI_STATUS st = out->SetMode(out, (UINTN)mode);
	if (EFI_ERROR(st))
		con_report("console-mode %d (%ux%u): SetMode: %s", (int)mode,
			   (unsigned)cols, (unsigned)rows, efi_status_name(st));
	else
		log_event("console mode=%d cols=%u rows=%u\n", (int)mode, (unsigned)cols,
			  (unsigned)rows);
}

void con_fit(char *out, size_t cap, const char *s, size_t width)
{
	size_t n = strlen(s);

	if (width + 1 > cap)
		width = cap - 1;
	if (n <= width) {
		memcpy(out, s, n + 1);
		return;
	}
	if (width < 4) {
		memcpy(out, s, width);
		out[width] = 0;
		return;
	}
	memcpy(out, s, width - 3);
	memcpy(out + width - 3, "...", 4);
}

void con_at(size_t x, size_t y, size_t width, UINTN attr, const char *text)
{
	char line[512];
	size_t n;

	if (width >= sizeof line)
		width = sizeof line - 1;
	con_fit(line, sizeof line, text, width);
	n = strlen(line);
	memset(line + n, ' ', width - n);
	line[width] = 0;
	con_end_line();
	ST->ConOut->SetCursorPosition(ST->ConOut, x, y);
	ST->ConOut->SetAttribute(ST->ConOut, attr);
	put_ascii(line);
	ST->ConOut->SetAttribute(ST->ConOut, CON_ATTR_NORMAL);
	put_ascii("\n");
}

/* ---- progress of long reads ---- */

/* Whole tenths of MiB/s for `bytes` in `us` microseconds. */
static uint64_t rate_tenths(uint64_t bytes, uint64_t us)
{
	return us ? bytes * 10 * 1000000 / us / (1u << 20) : 0;
}

void con_progress(struct con_progress *p, const char *path, uint64_t done,
		  uint64_t total, bool now_anyway)
{
	uint64_t now = tsc_now();
	char bar[CON_PROGRESS_BAR + 1], line[256], shown[192];
	size_t cols, rows;

	if (!p->start)
		p->start = now;
	if (p->finished)
		return; /* bytes read again (a kernel's headers) */
	if (done > total)
		done = total;
	if (quiet && !p->shown && tsc_to_us(now - p->start) < 1000000) {
		p->finished = done == total;
		return;
	}
	/* The first MiB is headers and the like: not worth a line yet. */
	if (done < total && done < (1u << 20))
		return;
	/* At most ten updates a second: the console (and the serial port
	 * behind it) is slower than the disk. */
	if (done < total && !now_anyway && p->shown &&
	    tsc_to_us(now - p->shown) < 100000)
		return;
	p->shown = now;
	size_t fill = total ? (size_t)(done * CON_PROGRESS_BAR / total) : CON_PROGRESS_BAR;
	for (size_t i = 0; i < CON_PROGRESS_BAR; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[CON_PROGRESS_BAR] = 0;
	uint64_t r = rate_tenths(done, tsc_to_us(now - p->start));
	fmt(line, sizeof line, "Reading %s [%s] %3u%% %" PRIu64 "/%" PRIu64 " MiB %" PRIu64 ".%u MiB/s",
	    path, bar, (unsigned)(total ? done * 100 / total : 100), done >> 20,
	    total >> 20, r / 10, (unsigned)(r % 10));
	/* One screen line: a wrapped bar would scroll at every update. */
	con_size(&cols, &rows);
	con_fit(shown, sizeof shown, line, cols - 1);
	put_ascii("\r");
	put_ascii(shown);
	line_open = true;
	if (done == total) {
		p->finished = true;
		con_end_line();
	}
}
