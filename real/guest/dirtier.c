/*
 * miglab guest dirtier: dirties guest memory at a set rate so a real migration has work to do, and
 * checks that no write is ever lost across the migration.
 *
 * Parameters come from the kernel command line (dirtier.KEY=VALUE) or argv (KEY=VALUE):
 *   mb       buffer size in MiB                      (default 64)
 *   rate     page writes per second; -1 = as fast as the CPU allows (default 1000)
 *   mode     seq (a pointer sweeps the buffer) or rand (uniform pages)   (default seq)
 *   hotmb    size of a hot set at the start of the buffer, MiB (default 0 = none)
 *   hotpct   percent of writes that go to the hot set (default 0)
 *   delta    bytes each write changes, one contiguous run (1..4089, default 1): the stamp's last
 *            byte and the delta - 1 bytes after it (XBZRLE then encodes one run of delta bytes)
 *   cpu      percent of a vCPU the dirtier uses at its nominal rate (0..100, default 0 = writes cost
 *            only themselves): each write also does a fixed amount of work, calibrated at start,
 *            so a throttled vCPU (QEMU's auto-converge) slows the writes once it gets less than this
 *   entropy  bytes of random data per page of the buffer (0..4088, default 0): the 8 + entropy bytes
 *            after the stamp's start take fresh random values at every write (instead of the delta
 *            pattern), the rest of the page is a constant, so a compressor shrinks a page to about
 *            this however often it was written
 *   tick     heartbeat period in ms: one '~' on the console each period (default 20; 0 = none)
 *   start    the page of the buffer the seq pointer writes first when the clock starts (default 0),
 *            so the host can have the pointer where a scenario wants it when the migration starts
 *
 * Every page of the buffer is written once first (so none is a zero page). Each write stores
 * (page << 32 | version) big-endian in the page's first 8 bytes (the version's low byte last) and
 * a pattern of the version in the delta - 1 bytes after them; the expected version of every page
 * is kept in a separate array. Every second the whole buffer is checked
 * against it: `bad` counts pages whose stamp is not what was last written — a lost write.
 * Each second it prints, on the console:
 *   DIRTIER t=<s> writes=<n> distinct=<n> target=<rate> bad=<n> pages=<n>
 * Writes are paced in 2 ms steps (500 per second), catching up to wall-clock time, with bursts
 * capped at one second of work.
 * The heartbeat ('~' every tick ms) lets the host time the guest's pause from outside: the guest's
 * own clocks stop with the VM, but the host sees the heartbeat stop arriving from the source and
 * start arriving from the destination.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static long opt_mb = 64, opt_rate = 1000, opt_hotmb = 0, opt_hotpct = 0, opt_delta = 1, opt_tick = 20, opt_cpu = 0, opt_entropy = 0, opt_start = 0;
static int opt_rand = 0;

static void set_opt(const char *kv) {
  const char *p = kv;
  if (strncmp(p, "dirtier.", 8) == 0) p += 8;
  const char *eq = strchr(p, '=');
  if (!eq) return;
  size_t n = (size_t)(eq - p);
  const char *v = eq + 1;
  if (n == 2 && !strncmp(p, "mb", 2)) opt_mb = atol(v);
  else if (n == 4 && !strncmp(p, "rate", 4)) opt_rate = atol(v);
  else if (n == 4 && !strncmp(p, "mode", 4)) opt_rand = !strcmp(v, "rand");
  else if (n == 5 && !strncmp(p, "hotmb", 5)) opt_hotmb = atol(v);
  else if (n == 6 && !strncmp(p, "hotpct", 6)) opt_hotpct = atol(v);
  else if (n == 5 && !strncmp(p, "delta", 5)) opt_delta = atol(v);
  else if (n == 3 && !strncmp(p, "cpu", 3)) opt_cpu = atol(v);
  else if (n == 7 && !strncmp(p, "entropy", 7)) opt_entropy = atol(v);
  else if (n == 4 && !strncmp(p, "tick", 4)) opt_tick = atol(v);
  else if (n == 5 && !strncmp(p, "start", 5)) opt_start = atol(v);
}

static void read_cmdline(void) {
  FILE *f = fopen("/proc/cmdline", "r");
  if (!f) return;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
    if (!strncmp(tok, "dirtier.", 8)) set_opt(tok);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The stamp, big-endian: the version's low byte is the page's byte 7, next to the delta bytes. */
static inline uint64_t be64(uint64_t x) { return __builtin_bswap64(x); }

static uint64_t xorshift(void);

/* One page write: the stamp, then either fresh random bytes over the entropy region, or delta - 1
   bytes of a pattern: byte i after the stamp takes v * (2i + 1), which differs from any earlier
   version's unless the versions differ by a multiple of 256. */
static void write_page(uint8_t *buf, uint32_t *expect, size_t p) {
  uint32_t v = ++expect[p];
  uint64_t stamp = be64(((uint64_t)p << 32) | v);
  memcpy(buf + p * PAGE, &stamp, 8);
  if (opt_entropy > 0) {
    for (long i = 0; i < opt_entropy; i += 8) {
      uint64_t r = xorshift();
      memcpy(buf + p * PAGE + 8 + i, &r, (size_t)(opt_entropy - i < 8 ? opt_entropy - i : 8));
    }
  } else for (long i = 0; i < opt_delta - 1; i++) buf[p * PAGE + 8 + i] = (uint8_t)(v * (2 * i + 1));
}

/* Work units per write (cpu option) and the spin that does them. */
static volatile uint64_t spin_sink;
static void spin(uint64_t units) { for (uint64_t i = 0; i < units; i++) spin_sink += i; }

static uint64_t rng_state = 88172645463325252ull;
static uint64_t xorshift(void) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state;
}

int main(int argc, char **argv) {
  read_cmdline();
  for (int i = 1; i < argc; i++) set_opt(argv[i]);
  if (opt_delta < 1) opt_delta = 1;
  if (opt_delta > PAGE - 7) opt_delta = PAGE - 7;
  if (opt_cpu < 0) opt_cpu = 0;
  if (opt_cpu > 100) opt_cpu = 100;
  if (opt_entropy < 0) opt_entropy = 0;
  if (opt_entropy > PAGE - 8) opt_entropy = PAGE - 8;
  size_t pages = (size_t)opt_mb * 1024 * 1024 / PAGE;
  size_t hot = (size_t)opt_hotmb * 1024 * 1024 / PAGE;
  if (hot > pages) hot = pages;
  uint8_t *buf = aligned_alloc(PAGE, pages * PAGE);
  uint32_t *expect = calloc(pages, sizeof *expect);
  uint8_t *touched = calloc(pages, 1);
  if (!buf || !expect || !touched) { printf("DIRTIER error: cannot allocate %ld MiB\n", opt_mb); fflush(stdout); return 1; }

  for (size_t p = 0; p < pages; p++) {
    expect[p] = 1;
    uint64_t stamp = be64(((uint64_t)p << 32) | 1);
    memcpy(buf + p * PAGE, &stamp, 8);
    memset(buf + p * PAGE + 8, 0x5a, PAGE - 8);
    for (long k = 0; k < opt_entropy; k++) buf[p * PAGE + 8 + k] = (uint8_t)(xorshift() >> 24);
  }
  /* Calibrate the work per write so that the dirtier, writes included, needs cpu % of its vCPU at
     its nominal rate: spin units per second of this vCPU (0.3 s), the time of a write itself (0.2 s
     of writes over the buffer, in the order the dirtier writes), the rest of each write's share
     spent spinning. */
  uint64_t units_per_write = 0;
  double write_seconds = 0;
  if (opt_cpu > 0 && opt_rate > 0) {
    uint64_t units = 0, chunk = 10000;
    double c0 = now();
    while (now() - c0 < 0.3) { spin(chunk); units += chunk; }
    double per_second = (double)units / (now() - c0);
    uint64_t n = 0;
    c0 = now();
    while (now() - c0 < 0.2) for (int k = 0; k < 64; k++, n++) write_page(buf, expect, opt_rand ? xorshift() % pages : n % pages);
    write_seconds = (now() - c0) / (double)n;
    double spin_seconds = (double)opt_cpu / 100.0 / (double)opt_rate - write_seconds;
    units_per_write = spin_seconds > 0 ? (uint64_t)(per_second * spin_seconds) : 0;
  }
  printf("DIRTIER start pages=%zu rate=%ld mode=%s hot=%zu hotpct=%ld delta=%ld cpu=%ld units=%llu write_us=%.2f entropy=%ld first=%ld\n", pages, opt_rate, opt_rand ? "rand" : "seq", hot, opt_hotpct, opt_delta, opt_cpu, (unsigned long long)units_per_write, write_seconds * 1e6, opt_entropy, opt_start > 0 ? opt_start % (long)pages : 0L);
  fflush(stdout);

  size_t cursor = opt_start > 0 ? (size_t)opt_start % pages : 0;
  double t0 = now(), last_report = t0;
  uint64_t writes = 0, writes_in_second = 0, distinct = 0;
  double owed = 0;
  double last_step = t0, last_tick = t0;
  for (;;) {
    double t = now();
    if (opt_tick > 0 && (t - last_tick) * 1000.0 >= (double)opt_tick) {
      fputc('~', stdout);
      fflush(stdout);
      last_tick = t;
    }
    if (opt_rate >= 0) {
      owed += (t - last_step) * (double)opt_rate;
      if (owed > opt_rate) owed = (double)opt_rate; /* bursts at most one second of work */
    } else owed = 20000; /* CPU-bound */
    last_step = t;
    long todo = (long)owed;
    /* At most 2 ms of nominal work per step, so the heartbeat keeps its period while catching up. */
    long step_max = opt_rate > 0 ? opt_rate / 500 + 1 : 20000;
    if (opt_rate >= 0 && todo > step_max) todo = step_max;
    owed -= (double)todo;
    for (long k = 0; k < todo; k++) {
      size_t p;
      if (hot > 0 && (long)(xorshift() % 100) < opt_hotpct) p = xorshift() % hot;
      else if (opt_rand) p = hot + xorshift() % (pages - hot > 0 ? pages - hot : 1);
      else { p = cursor; cursor = (cursor + 1) % pages; }
      write_page(buf, expect, p);
      if (units_per_write) spin(units_per_write);
      if (!touched[p]) { touched[p] = 1; distinct++; }
      writes++;
      writes_in_second++;
    }
    if (t - last_report >= 1.0) {
      uint64_t bad = 0;
      for (size_t p = 0; p < pages; p++) {
        uint64_t stamp;
        memcpy(&stamp, buf + p * PAGE, 8);
        if (stamp != be64(((uint64_t)p << 32) | expect[p])) bad++;
      }
      printf("DIRTIER t=%.3f writes=%llu distinct=%llu target=%ld bad=%llu pages=%zu\n", t - t0, (unsigned long long)writes_in_second, (unsigned long long)distinct, opt_rate, (unsigned long long)bad, pages);
      fflush(stdout);
      writes_in_second = 0;
      distinct = 0;
      memset(touched, 0, pages);
      last_report = t;
    }
    /* Sleep unless behind (a throttled or busy vCPU: catch up at once, up to one second owed). */
    if (opt_rate >= 0 && owed + (now() - last_step) * (double)opt_rate < 1.0) usleep(2000);
  }
}
