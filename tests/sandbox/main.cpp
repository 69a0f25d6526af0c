// uoms-sandbox --config FILE.json [--port N] [--port-file PATH]
//
// Listens on 127.0.0.1 only. Once listening it writes the port to the port file (temp file
// + rename, so a reader never sees half a number) and prints the URL; SIGTERM or SIGINT stop it.

#include "sandbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace uoms::sandbox;

// A client keeps one connection per account open (keep-alive holds a worker), plus slow
// faults hold some: at least 96 workers, two per configured account beyond that.
std::size_t workers_for(std::size_t accounts) { return std::max<std::size_t>(96, 2 * accounts + 16); }

struct Options
{
  std::string config;
  int port = 0;
  std::string port_file;
};

int usage(const std::string& error)
{
  std::cerr << "uoms-sandbox: error: " << error << "\n"
            << "usage: uoms-sandbox --config FILE.json [--port N (0 = free port)] [--port-file PATH]\n";
  return 2;
}

bool write_atomically(const std::string& path, const std::string& text)
{
  const std::string temp = fmt::format("{}.tmp.{}", path, getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      return false;
    }
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

} // namespace

int main(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) {
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--config" || arg == "--port" || arg == "--port-file") {
      const auto v = value();
      if (!v) {
        return usage(arg + " needs a value");
      }
      if (arg == "--config") {
        options.config = *v;
      } else if (arg == "--port-file") {
        options.port_file = *v;
      } else {
        try {
          options.port = std::stoi(*v);
        } catch (const std::exception&) {
          return usage("--port needs a number");
        }
      }
    } else if (arg == "-h" || arg == "--help") {
      usage("help requested");
      return 0;
    } else {
      return usage("unknown argument " + arg);
    }
  }
  if (options.config.empty()) {
    return usage("--config is required");
  }

  Config config;
  try {
    std::ifstream in(options.config);
    if (!in) {
      throw std::runtime_error("cannot read " + options.config);
    }
    config = parse_config(json::parse(in));
  } catch (const std::exception& e) {
    std::cerr << "uoms-sandbox: error: " << options.config << ": " << e.what() << "\n";
    return 4;
  }

  // Block the stop signals in every thread; one thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const std::size_t workers = workers_for(config.accounts.size());
  Sandbox sandbox(std::move(config));
  httplib::Server server;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(30);
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });

  auto dispatch = [&sandbox](const httplib::Request& req, httplib::Response& res) {
    if (req.path.starts_with("/__sandbox/") || req.path.starts_with("/_control/")) {
      handle_control(sandbox, req, res);
    } else {
      serve(sandbox, req, res);
    }
  };
  server.Get(".*", dispatch);
  server.Post(".*", dispatch);
  server.Put(".*", dispatch);
  server.Patch(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Options(".*", dispatch);

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "uoms-sandbox: error: cannot listen on 127.0.0.1:" << options.port << "\n";
    return 1;
  }
  // httplib listens with a backlog of 5; a burst of 40+ connects needs more.
  if (listen_fd >= 0) {
    ::listen(listen_fd, 1024);
  }

  std::thread waiter([&server, stop_signals]() {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
  });
  waiter.detach();

  if (!options.port_file.empty() && !write_atomically(options.port_file, std::to_string(port) + "\n")) {
    std::cerr << "uoms-sandbox: error: cannot write " << options.port_file << "\n";
    return 1;
  }
  std::cout << "uoms-sandbox listening on http://127.0.0.1:" << port << std::endl;

  const bool ok = server.listen_after_bind();
  if (!options.port_file.empty()) {
    std::remove(options.port_file.c_str());
  }
  return ok ? 0 : 1;
}
