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
 *   fill     bytes changed per write (8..4096, default 8)
 *   tick     heartbeat period in ms: one '~' on the console each period (default 20; 0 = none)
 *
 * Every page of the buffer is written once first (so none is a zero page). Each write stores
 * (page << 32 | version) in the page's first 8 bytes (and `fill` bytes in all); the expected
 * version of every page is kept in a separate array. Every second the whole buffer is checked
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

static long opt_mb = 64, opt_rate = 1000, opt_hotmb = 0, opt_hotpct = 0, opt_fill = 8, opt_tick = 20;
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
  else if (n == 4 && !strncmp(p, "fill", 4)) opt_fill = atol(v);
  else if (n == 4 && !strncmp(p, "tick", 4)) opt_tick = atol(v);
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

static uint64_t rng_state = 88172645463325252ull;
static inline uint64_t xorshift(void) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state;
}

int main(int argc, char **argv) {
  read_cmdline();
  for (int i = 1; i < argc; i++) set_opt(argv[i]);
  if (opt_fill < 8) opt_fill = 8;
  if (opt_fill > PAGE) opt_fill = PAGE;
  size_t pages = (size_t)opt_mb * 1024 * 1024 / PAGE;
  size_t hot = (size_t)opt_hotmb * 1024 * 1024 / PAGE;
  if (hot > pages) hot = pages;
  uint8_t *buf = aligned_alloc(PAGE, pages * PAGE);
  uint32_t *expect = calloc(pages, sizeof *expect);
  uint8_t *touched = calloc(pages, 1);
  if (!buf || !expect || !touched) { printf("DIRTIER error: cannot allocate %ld MiB\n", opt_mb); fflush(stdout); return 1; }

  for (size_t p = 0; p < pages; p++) {
    expect[p] = 1;
    uint64_t stamp = ((uint64_t)p << 32) | 1;
    memcpy(buf + p * PAGE, &stamp, 8);
    memset(buf + p * PAGE + 8, 0x5a, (size_t)opt_fill - 8);
  }
  printf("DIRTIER start pages=%zu rate=%ld mode=%s hot=%zu hotpct=%ld fill=%ld\n", pages, opt_rate, opt_rand ? "rand" : "seq", hot, opt_hotpct, opt_fill);
  fflush(stdout);

  size_t cursor = 0;
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
    owed -= (double)todo;
    for (long k = 0; k < todo; k++) {
      size_t p;
      if (hot > 0 && (long)(xorshift() % 100) < opt_hotpct) p = xorshift() % hot;
      else if (opt_rand) p = hot + xorshift() % (pages - hot > 0 ? pages - hot : 1);
      else { p = cursor; cursor = (cursor + 1) % pages; }
      uint32_t v = ++expect[p];
      uint64_t stamp = ((uint64_t)p << 32) | v;
      memcpy(buf + p * PAGE, &stamp, 8);
      if (opt_fill > 8) buf[p * PAGE + 8 + (v % (size_t)(opt_fill - 8))] ^= 0xff;
      if (!touched[p]) { touched[p] = 1; distinct++; }
      writes++;
      writes_in_second++;
    }
    if (t - last_report >= 1.0) {
      uint64_t bad = 0;
      for (size_t p = 0; p < pages; p++) {
        uint64_t stamp;
        memcpy(&stamp, buf + p * PAGE, 8);
        if (stamp != (((uint64_t)p << 32) | expect[p])) bad++;
      }
      printf("DIRTIER t=%.3f writes=%llu distinct=%llu target=%ld bad=%llu pages=%zu\n", t - t0, (unsigned long long)writes_in_second, (unsigned long long)distinct, opt_rate, (unsigned long long)bad, pages);
      fflush(stdout);
      writes_in_second = 0;
      distinct = 0;
      memset(touched, 0, pages);
      last_report = t;
    }
    if (opt_rate >= 0) usleep(2000);
  }
}
