/*
 * console.c - text output on the firmware console, and status names.
 *
 * Runway formats in ASCII (lib/fmt.c) and converts to UCS-2 here.  OVMF
 * mirrors the console on the serial port, which is what tests read.
 */
#include "loader.h"

#include <stdarg.h>

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

static void put_ascii(const char *s)
{
	CHAR16 buf[257];
	UINTN n = 0;

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

/* Longer output is cut with "..." and keeps its final newline
 * (fmt_line_v): one event is one line, whatever its length. */
void con_printf(const char *f, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, f);
	fmt_line_v(line, sizeof line, f, ap);
	va_end(ap);
	put_ascii(line);
}

static char last_error[1024];

void con_report(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	fmt_line_v(last_error, sizeof last_error, f, ap);
	va_end(ap);
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

const char *efi_status_name(EFI_STATUS st)
{
	switch (st) {
	case EFI_SUCCESS: return "EFI_SUCCESS";
	case EFI_LOAD_ERROR: return "EFI_LOAD_ERROR";
	case EFI_INVALID_PARAMETER: return "EFI_INVALID_PARAMETER";
	case EFI_UNSUPPORTED: return "EFI_UNSUPPORTED";
	case EFI_BAD_BUFFER_SIZE: return "EFI_BAD_BUFFER_SIZE";
	case EFI_BUFFER_TOO_SMALL: return "EFI_BUFFER_TOO_SMALL";
	case EFI_NOT_READY: return "EFI_NOT_READY";
	case EFI_DEVICE_ERROR: return "EFI_DEVICE_ERROR";
	case EFI_WRITE_PROTECTED: return "EFI_WRITE_PROTECTED";
	case EFI_OUT_OF_RESOURCES: return "EFI_OUT_OF_RESOURCES";
	case EFI_VOLUME_CORRUPTED: return "EFI_VOLUME_CORRUPTED";
	case EFI_VOLUME_FULL: return "EFI_VOLUME_FULL";
	case EFI_NO_MEDIA: return "EFI_NO_MEDIA";
	case EFI_MEDIA_CHANGED: return "EFI_MEDIA_CHANGED";
	case EFI_NOT_FOUND: return "EFI_NOT_FOUND";
	case EFI_ACCESS_DENIED: return "EFI_ACCESS_DENIED";
	case EFI_NO_RESPONSE: return "EFI_NO_RESPONSE";
	case EFI_NO_MAPPING: return "EFI_NO_MAPPING";
	case EFI_TIMEOUT: return "EFI_TIMEOUT";
	case EFI_NOT_STARTED: return "EFI_NOT_STARTED";
	case EFI_ALREADY_STARTED: return "EFI_ALREADY_STARTED";
	case EFI_ABORTED: return "EFI_ABORTED";
	case EFI_SECURITY_VIOLATION: return "EFI_SECURITY_VIOLATION";
	case EFI_END_OF_FILE: return "EFI_END_OF_FILE";
	case EFI_ICMP_ERROR: return "EFI_ICMP_ERROR";
	case EFI_TFTP_ERROR: return "EFI_TFTP_ERROR";
	case EFI_PROTOCOL_ERROR: return "EFI_PROTOCOL_ERROR";
	case RUNWAY_IS_A_DIRECTORY: return "RUNWAY_IS_A_DIRECTORY";
	default: return "EFI_STATUS(unknown)";
	}
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
