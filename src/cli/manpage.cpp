// The man page uoms(1) and the bash and zsh completions, written from the parsed command table
// itself (`commands()` and each command's CLI11 options), so they cannot drift from what the binary
// accepts. The build runs `uoms --generate man|bash|zsh` (cmake/install.cmake).
#include "cli.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cstdio>
#include <string_view>

namespace uoms::cli {

namespace {

// A command at any depth ("uoms", "uoms channels", "uoms channels add") and its app.
struct Node
{
  std::string path;
  const CLI::App* app;
};

std::vector<const CLI::App*> subcommands_of(const CLI::App& app)
{
  return app.get_subcommands([](const CLI::App*) { return true; });
}

// Every command in the order of the table, depth first, the top level first.
void walk(const CLI::App& app, const std::string& path, std::vector<Node>& out)
{
  out.push_back({path, &app});
  for (const auto* sub : subcommands_of(app)) walk(*sub, path + " " + sub->get_name(), out);
}

// The options a reader would type: no help flag, nothing hidden (an empty group).
std::vector<const CLI::Option*> visible_options(const CLI::App& app)
{
  return app.get_options([&](const CLI::Option* o) { return o != app.get_help_ptr() && !o->get_group().empty(); });
}

// A flag has no type name; everything else (TEXT, INT, a positional) takes a value.
bool takes_value(const CLI::Option& o)
{
  return !o.get_type_name().empty();
}

// CLI11 writes a member check as "TEXT:{text,json}": the choices, or none.
std::vector<std::string> choices(const CLI::Option& o)
{
  const std::string type = o.get_type_name();
  const auto open = type.find(":{");
  std::vector<std::string> out;
  if (open == std::string::npos || type.back() != '}') return out;
  std::string_view list(type.data() + open + 2, type.size() - open - 3);
  while (!list.empty()) {
    const auto comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return out;
}

// What the value looks like in a synopsis: the choices, or the type (TEXT, INT, …).
std::string value_name(const CLI::Option& o)
{
  auto list = choices(o);
  if (!list.empty()) return fmt::format("{}", fmt::join(list, "|"));
  const std::string type = o.get_type_name();
  return type.substr(0, type.find(':'));
}

std::vector<std::string> flag_names(const CLI::Option& o)
{
  std::vector<std::string> names;
  for (const auto& s : o.get_snames()) names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) names.push_back("--" + l);
  return names;
}

// A positional argument as a synopsis shows it: `name` → NAME.
std::string positional_name(const CLI::Option& o)
{
  std::string name = o.get_name(true);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// --- roff --------------------------------------------------------------------------------------

// Text safe in a roff line: backslashes escaped, a leading control character neutralised.
std::string roff(std::string_view text)
{
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string roff_option(const CLI::Option& o)
{
  std::string head;
  for (const auto& name : flag_names(o)) {
    if (!head.empty()) head += ", ";
    head += "\\fB" + roff(name) + "\\fR";
  }
  if (o.get_positional())
    head = "\\fI" + roff(positional_name(o)) + "\\fR";
  else if (takes_value(o))
    head += " \\fI" + roff(value_name(o)) + "\\fR";
  std::string text = o.get_description();
  if (o.get_positional() && !o.get_required()) text += " (optional)";
  if (!o.get_positional() && o.get_expected_max() > 1 && text.find("repeatable") == std::string::npos) {
    text += " (repeatable)";
  }
  return fmt::format(".TP\n{}\n{}\n", head, roff(text));
}

std::string synopsis(const Node& node)
{
  std::string out = "\\fB" + roff(node.path) + "\\fR";
  if (!subcommands_of(*node.app).empty()) return out + " \\fICOMMAND\\fR";
  bool flags = false;
  for (const auto* o : visible_options(*node.app)) {
    if (o->get_positional()) {
      out += o->get_required() ? " \\fI" + roff(positional_name(*o)) + "\\fR"
                               : " [\\fI" + roff(positional_name(*o)) + "\\fR]";
    } else {
      flags = true;
    }
  }
  return flags ? out + " [\\fIOPTIONS\\fR]" : out;
}

std::string man_page(const CLI::App& app, std::string_view exit_codes)
{
  std::vector<Node> nodes;
  walk(app, "uoms", nodes);
  std::string out = fmt::format(".TH UOMS 1 \"\" \"uoms {}\" \"User Commands\"\n", UOMS_VERSION);
  out += ".SH NAME\nuoms \\- " + roff(app.get_description().substr(app.get_description().find(':') + 2)) + "\n";
  out += ".SH SYNOPSIS\n\\fBuoms\\fR [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
         "[\\fIOPTIONS\\fR]\n";
  out += ".SH DESCRIPTION\nEach command makes one pass over every configured "
         "channel, records a job in the database, "
         "prints a short summary and exits with a code that tells the "
         "scheduler what happened.\n";
  out += ".SH GLOBAL OPTIONS\nThese come before the command.\n";
  for (const auto* o : visible_options(app)) out += roff_option(*o);
  out += ".SH COMMANDS\n";
  for (const auto& c : commands()) {
    for (const auto& node : nodes) {
      if (node.path != "uoms " + c.name && node.path.rfind("uoms " + c.name + " ", 0) != 0) continue;
      out += ".SS \"" + synopsis(node) + "\"\n" + roff(node.app->get_description()) + "\n";
      if (node.path == "uoms " + c.name) {
        out += ".PP\nExample:\n.PP\n.RS 4\n.nf\n" + roff(c.example) + "\n.fi\n.RE\n";
      }
      const auto options = visible_options(*node.app);
      if (!options.empty()) out += ".PP\n";
      for (const auto* o : options) out += roff_option(*o);
    }
  }
  out += ".SH EXIT STATUS\n" + roff(exit_codes) + "\n";
  out += ".SH ENVIRONMENT\n\\fBUOMS_CONFIG\\fR names the configuration file; "
         "every \\fBUOMS_*\\fR variable "
         "and its key are listed by \\fBuoms config show\\fR.\n";
  out += ".SH FILES\n\\fIuoms.toml\\fR, \\fIuoms.key\\fR (mode 0600) and "
         "\\fIuoms.db\\fR, written by "
         "\\fBuoms init\\fR; examples (crontab, systemd units, an n8n "
         "workflow) in "
         "\\fI/usr/share/doc/uoms/examples\\fR.\n";
  return out;
}

// --- completions -------------------------------------------------------------------------------

// Single-quoted shell word.
std::string shell_quote(std::string_view text)
{
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Per command path: the words that may follow (its subcommands, its flags and, below the top level,
// the global flags), and the flags that take a value (with their choices, if any).
struct Words
{
  std::string path;                                      // "-" for the top level, "channels add" below it
  std::vector<std::pair<std::string, std::string>> next; // word, description
  std::vector<std::pair<std::string, std::vector<std::string>>> valued; // flag, choices
};

std::vector<Words> completion_words(const CLI::App& app)
{
  std::vector<Node> nodes;
  walk(app, "", nodes);
  std::vector<Words> out;
  for (const auto& node : nodes) {
    Words w{node.path.empty() ? "-" : node.path.substr(1), {}, {}};
    for (const auto* sub : subcommands_of(*node.app)) w.next.emplace_back(sub->get_name(), sub->get_description());
    auto add_flags = [&](const CLI::App& owner, bool own) {
      for (const auto* o : visible_options(owner)) {
        if (o->get_positional()) continue;
        for (const auto& name : flag_names(*o)) {
          w.next.emplace_back(name, o->get_description());
          if (own && takes_value(*o)) w.valued.emplace_back(name, choices(*o));
        }
      }
    };
    add_flags(*node.app, true);
    if (node.app != &app) add_flags(app, false); // valued under "-" already
    out.push_back(std::move(w));
  }
  return out;
}

// The shared shape of both scripts: walk the words before the cursor, stepping into known
// subcommands and over flag values, then offer a flag's choices (or files), or what may follow the
// command reached.
std::string bash_completion(const CLI::App& app)
{
  std::string next, valued;
  for (const auto& w : completion_words(app)) {
    std::vector<std::string> words;
    for (const auto& [word, help] : w.next) words.push_back(word);
    next += fmt::format("    [{}]={}\n", shell_quote(w.path), shell_quote(fmt::format("{}", fmt::join(words, " "))));
    for (const auto& [flag, list] : w.valued) {
      valued += fmt::format("    [{}]={}\n", shell_quote(w.path + " " + flag),
                            shell_quote(fmt::format("{}", fmt::join(list, " "))));
    }
  }
  return "# bash completion for uoms; generated by `uoms --generate bash` from "
         "the command table.\n"
         "_uoms()\n{\n"
         "  local -A next=(\n" +
         next + "  )\n  local -A valued=(\n" + valued +
         "  )\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} cmd=- i w k g sub\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]} k=\"$cmd ${COMP_WORDS[i]}\" g=\"- "
         "${COMP_WORDS[i]}\"\n"
         "    if [[ -n ${valued[$k]+set} || -n ${valued[$g]+set} ]]; then\n"
         "      ((i++))\n"
         "    elif [[ $w != -* ]]; then\n"
         "      sub=${cmd#-}\n"
         "      sub=${sub:+$sub }$w\n"
         "      if [[ -n ${next[$sub]+set} ]]; then cmd=$sub; fi\n"
         "    fi\n"
         "  done\n"
         "  if ((COMP_CWORD > 1)); then\n"
         "    k=\"$cmd ${COMP_WORDS[COMP_CWORD-1]}\" g=\"- "
         "${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "    [[ -n ${valued[$k]+set} ]] || k=$g\n"
         "    if [[ -n ${valued[$k]+set} ]]; then\n"
         "      if [[ -n ${valued[$k]} ]]; then\n"
         "        mapfile -t COMPREPLY < <(compgen -W \"${valued[$k]}\" -- "
         "\"$cur\")\n"
         "      else\n"
         "        mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
         "      fi\n"
         "      return\n"
         "    fi\n"
         "  fi\n"
         "  mapfile -t COMPREPLY < <(compgen -W \"${next[$cmd]}\" -- "
         "\"$cur\")\n"
         "  if ((${#COMPREPLY[@]} == 0)) && [[ $cur != -* ]]; then\n"
         "    mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
         "  fi\n"
         "}\n"
         "complete -F _uoms uoms\n";
}

std::string zsh_completion(const CLI::App& app)
{
  std::string next, valued;
  for (const auto& w : completion_words(app)) {
    std::string words;
    for (const auto& [word, help] : w.next) {
      std::string escaped;
      for (char c : word) escaped += c == ':' ? std::string("\\:") : std::string(1, c);
      words += (words.empty() ? "" : " ") + shell_quote(escaped + ":" + help);
    }
    next += fmt::format("  {} {}\n", shell_quote(w.path), shell_quote(words));
    for (const auto& [flag, list] : w.valued) {
      valued += fmt::format("  {} {}\n", shell_quote(w.path + " " + flag),
                            shell_quote(fmt::format("{}", fmt::join(list, " "))));
    }
  }
  return "#compdef uoms\n"
         "# zsh completion for uoms; generated by `uoms --generate zsh` from "
         "the command table.\n"
         "local -A next valued\n"
         "next=(\n" +
         next + ")\nvalued=(\n" + valued +
         ")\n"
         "local cmd=- i w k g sub\n"
         "for ((i = 2; i < CURRENT; i++)); do\n"
         "  w=${words[i]} k=\"$cmd ${words[i]}\" g=\"- ${words[i]}\"\n"
         "  if [[ -n ${valued[$k]+set} || -n ${valued[$g]+set} ]]; then\n"
         "    ((i++))\n"
         "  elif [[ $w != -* ]]; then\n"
         "    sub=${cmd#-}\n"
         "    sub=${sub:+$sub }$w\n"
         "    if [[ -n ${next[$sub]+set} ]]; then cmd=$sub; fi\n"
         "  fi\n"
         "done\n"
         "if ((CURRENT > 2)); then\n"
         "  k=\"$cmd ${words[CURRENT-1]}\" g=\"- ${words[CURRENT-1]}\"\n"
         "  [[ -n ${valued[$k]+set} ]] || k=$g\n"
         "  if [[ -n ${valued[$k]+set} ]]; then\n"
         "    if [[ -n ${valued[$k]} ]]; then compadd -- ${=valued[$k]}; else "
         "_files; fi\n"
         "    return\n"
         "  fi\n"
         "fi\n"
         "local -a choices\n"
         "choices=(${(Q)${(z)next[$cmd]}})\n"
         "_describe -t commands 'uoms' choices || _files\n";
}

} // namespace

int generate(const CLI::App& app, std::string_view what, std::string_view exit_codes)
{
  std::string text;
  if (what == "man")
    text = man_page(app, exit_codes);
  else if (what == "bash")
    text = bash_completion(app);
  else if (what == "zsh")
    text = zsh_completion(app);
  else {
    std::fprintf(stderr, "uoms: error: --generate takes man, bash or zsh\n");
    return 2;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace uoms::cli
