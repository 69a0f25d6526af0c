// The configuration loader: the bytes of a uoms.toml -> config::load with no environment.
// A ConfigError (syntax, unknown key, bad value; exit 4) is the documented refusal; anything
// else escaping is a crash.
#include "uoms/config.hpp"
#include "uoms/error.hpp"

#include "tests/fuzz/fuzz_support.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

#include <stdlib.h>

namespace {

// The file every input is written to, in a folder of its own removed at exit.
class ConfigFile
{
public:
  ConfigFile()
  {
    std::string pattern = (std::filesystem::temp_directory_path() / "uoms-fuzz-config-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
  }
  ~ConfigFile()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  std::filesystem::path write(std::string_view bytes) const
  {
    const auto path = m_dir / "uoms.toml";
    std::FILE* file = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
    return path;
  }

private:
  std::filesystem::path m_dir;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const ConfigFile file;
  uoms::config::Overrides overrides;
  overrides.config_file = file.write(uoms::fuzz::text(data, size));
  try {
    (void)uoms::config::load(overrides, {});
  } catch (const uoms::ConfigError&) {
  }
  return 0;
}
