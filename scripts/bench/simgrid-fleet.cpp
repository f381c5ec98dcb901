// The bench's SimGrid baseline (npm run bench; compiled there when Debian's libsimgrid-dev is
// installed): N identical migratable VMs on one host, each with one busy vCPU dirtying memory at
// `intensity` x its migration speed, all migrated at t = 0 to a second host across ONE shared
// split-duplex link, SimGrid's CM02 network model (no latency/bandwidth factors), its live-migration
// plugin (src/plugins/vm/VmLiveMigration.cpp). Prints one JSON line: the engine's wall time around
// Engine::run() (process start-up and platform building excluded), the simulated makespan and the
// mean migration time.
//   simgrid-fleet N ramMiB migSpeedMiBps intensityPercent linkBps latencySeconds [vms.txt]
// With vms.txt (one line per VM: "ramMiB intensity", intensity a fraction of the migration speed),
// the VMs differ: each its own RAM and dirty intensity (sg_vm_set_dirty_page_intensity).
#include <simgrid/s4u.hpp>
#include <simgrid/plugins/live_migration.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>
#include <fstream>

namespace sg4 = simgrid::s4u;

int main(int argc, char** argv)
{
  if (argc < 7) { std::fprintf(stderr, "usage: %s N ramMiB migSpeedMiBps intensityPercent linkBps latencySeconds\n", argv[0]); return 2; }
  const int n = std::stoi(argv[1]);
  const int ram = std::stoi(argv[2]);
  const int speed = std::stoi(argv[3]);
  const int intensity = std::stoi(argv[4]);
  const double linkBps = std::stod(argv[5]);
  const double latency = std::stod(argv[6]);
  int sgArgc = 2;
  char cfg[] = "--cfg=network/model:CM02";
  char* sgArgv[] = {argv[0], cfg, nullptr};
  sg4::Engine e(&sgArgc, sgArgv);
  sg_vm_live_migration_plugin_init();
  auto* zone = sg4::create_full_zone("world");
  auto* src = zone->create_host("src", "1Gf")->set_core_count(n)->seal();
  auto* dst = zone->create_host("dst", "1Gf")->set_core_count(n)->seal();
  // SimGrid's numeric bandwidths are bytes per second; the argument is bits per second.
  auto* link = zone->create_split_duplex_link("shared", linkBps / 8)->set_latency(latency)->seal();
  zone->add_route(src->get_netpoint(), dst->get_netpoint(), nullptr, nullptr, {{link, sg4::LinkInRoute::Direction::UP}}, true);
  zone->seal();
  std::vector<int> rams(n, ram);
  std::vector<double> intensities(n, intensity / 100.0);
  if (argc > 7) {
    std::ifstream in(argv[7]);
    for (int i = 0; i < n && (in >> rams[i] >> intensities[i]); i++) {}
  }
  std::vector<double> times(n, 0);
  for (int i = 0; i < n; i++) {
    auto* vm = sg_vm_create_migratable(src, ("vm" + std::to_string(i)).c_str(), 1, rams[i], speed, intensity);
    sg_vm_set_dirty_page_intensity(vm, intensities[i]);
    vm->start();
    sg4::Actor::create("work" + std::to_string(i), vm, [] { for (;;) sg4::this_actor::execute(1e9); })->daemonize();
    sg4::Actor::create("mig" + std::to_string(i), src, [vm, dst, &times, i] {
      double t0 = sg4::Engine::get_clock();
      sg_vm_migrate(vm, dst);
      times[i] = sg4::Engine::get_clock() - t0;
    });
  }
  auto w0 = std::chrono::steady_clock::now();
  e.run();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  double sum = 0, makespan = 0;
  for (double t : times) { sum += t; if (t > makespan) makespan = t; }
  std::printf("{\"engineWallSeconds\": %.6f, \"makespanSeconds\": %.6f, \"meanMigrationSeconds\": %.6f}\n", wall, makespan, sum / n);
  return 0;
}
