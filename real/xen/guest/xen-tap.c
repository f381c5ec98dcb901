/*
 * miglab-xen-tap: a pass-through for an `xl migrate` stream that logs the libxenguest records
 * it carries, with times, so a replay can tell the passes of Xen's pre-copy apart.
 *
 *   xl migrate -s '' DOMAIN 'miglab-xen-tap LOG | pv … | ssh HOST xl migrate-receive -e'
 *
 * Copies stdin to stdout unchanged. Why not pv alone: pv counts bytes and caps the rate (it does
 * both in the pipeline), but the bytes alone cannot show where one pass ends and the next begins —
 * libxenguest writes the passes back to back. This program finds the libxenguest stream inside
 * xl's and libxl's (docs/specs/libxc-migration-stream.pandoc, Xen 4.17: an image header whose
 * marker is eight 0xff octets and whose id is "XENF" big-endian, a 16-octet domain header, then
 * records {u32 type, u32 length, body padded to 8 octets}, little-endian) and logs, per record:
 *
 *   start <t>                                  when the stream begins (first byte read)
 *   page <t> <offset> <pfns> <pages> <first> <last>   a PAGE_DATA record (type 1): pfns listed,
 *                                              pages carried (body − header − pfn list) / 4096,
 *                                              first and last pfn (ascending within a pass)
 *   rec <t> <offset> <type> <length>           any other record
 *   end <t> <offset>                           the END record (type 0): the memory image is complete
 *   eof <t> <bytes>                            end of input, total bytes passed through
 *
 * <t> is CLOCK_MONOTONIC seconds since start, taken when the record's header was read;
 * <offset> the stream offset of the record. Within one pass libxenguest sends pfns in ascending
 * order (send_dirty_pages walks its bitmap), so a PAGE_DATA record whose first pfn is not above the
 * previous record's last pfn begins a new pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double t0;
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9 - t0;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

#define PFN_MASK 0x000fffffffffffffULL
#define COLLECT_MAX (8 + 8 * 8192) /* a PAGE_DATA header and up to 8192 pfns (libxenguest batches 1024) */

/*
 * The parser: SEEK looks for the image header; otherwise it alternates between collecting a
 * fixed number of octets (a record header, a PAGE_DATA pfn list) and skipping a body.
 */
enum { SEEK, COLLECT_HEADER, COLLECT_PFNS, SKIP, DONE };
static int state = SEEK;
static unsigned char col[COLLECT_MAX];
static size_t have = 0, want = 0;
static uint64_t skip = 0, offset = 0, rec_offset = 0;
static uint32_t rec_type = 0, rec_len = 0;
static FILE *out;
static const unsigned char IHDR[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'X', 'E', 'N', 'F'};

static void next_record(void) { state = COLLECT_HEADER; have = 0; want = 8; rec_offset = offset; }
static void skip_then_next(uint64_t n) { if (n) { state = SKIP; skip = n; } else next_record(); }

static void record_header(void) {
  rec_type = le32(col); rec_len = le32(col + 4);
  uint64_t padded = (rec_len + 7ULL) & ~7ULL;
  if (rec_type == 0) { fprintf(out, "end %.6f %llu\n", now(), (unsigned long long)rec_offset); state = DONE; return; }
  if (rec_type == 1 && rec_len >= 8) {
    uint32_t count_hint = 0; (void)count_hint;
    state = COLLECT_PFNS; have = 0; want = 8; skip = padded; /* first the count, then the list */
    return;
  }
  fprintf(out, "rec %.6f %llu %u %u\n", now(), (unsigned long long)rec_offset, rec_type, rec_len);
  skip_then_next(padded);
}

static void page_data(void) {
  uint32_t count = le32(col);
  size_t listed = (have - 8) / 8;
  if (want == 8 && count > 0) {
    /* Now collect the pfn list (as much of it as fits). */
    uint64_t list = 8ULL * count;
    want = 8 + (list < COLLECT_MAX - 8 ? list : COLLECT_MAX - 8);
    return;
  }
  uint64_t list = 8ULL + 8ULL * count;
  uint64_t pages = rec_len > list ? (rec_len - list) / 4096 : 0;
  unsigned long long first = listed ? (unsigned long long)(le64(col + 8) & PFN_MASK) : 0;
  long long last = listed == count && listed ? (long long)(le64(col + 8 + 8 * (listed - 1)) & PFN_MASK) : -1;
  fprintf(out, "page %.6f %llu %u %llu %llu %lld\n", now(), (unsigned long long)rec_offset, count, (unsigned long long)pages, first, last);
  skip_then_next(skip - have);
}

static void feed(const unsigned char *p, size_t n) {
  while (n) {
    if (state == SEEK) {
      unsigned char c = *p++; n--; offset++;
      if (have < sizeof IHDR && c == IHDR[have]) have++;
      else if (c == 0xff) have = have >= 8 ? 8 : 1; /* a longer run of 0xff still ends in a marker */
      else have = 0;
      if (have == sizeof IHDR) {
        fprintf(out, "ihdr %.6f %llu\n", now(), (unsigned long long)(offset - 12));
        have = 0; state = SKIP; skip = (24 - 12) + 16; /* rest of the image header, the domain header */
      }
    } else if (state == SKIP) {
      size_t k = skip < n ? (size_t)skip : n;
      p += k; n -= k; skip -= k; offset += k;
      if (skip == 0) next_record();
    } else if (state == COLLECT_HEADER || state == COLLECT_PFNS) {
      size_t k = want - have < n ? want - have : n;
      memcpy(col + have, p, k); have += k; p += k; n -= k; offset += k;
      if (have == want) { if (state == COLLECT_HEADER) record_header(); else page_data(); }
    } else {
      offset += n; n = 0;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: miglab-xen-tap LOGFILE < stream > stream\n"); return 2; }
  out = fopen(argv[1], "w");
  if (!out) { perror(argv[1]); return 2; }
  setvbuf(out, NULL, _IOLBF, 0);
  static unsigned char buf[1 << 16];
  int started = 0;
  for (;;) {
    ssize_t r = read(0, buf, sizeof buf);
    if (r < 0) { if (errno == EINTR) continue; fprintf(out, "error %.6f read: %s\n", now(), strerror(errno)); return 1; }
    if (r == 0) break;
    if (!started) {
      struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); t0 = ts.tv_sec + ts.tv_nsec / 1e9;
      fprintf(out, "start %.6f\n", 0.0); started = 1;
    }
    feed(buf, (size_t)r);
    if (write_all(1, buf, (size_t)r) < 0) { fprintf(out, "error %.6f write: %s\n", now(), strerror(errno)); return 1; }
  }
  fprintf(out, "eof %.6f %llu\n", now(), (unsigned long long)offset);
  return 0;
}
