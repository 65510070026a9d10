#include "crawler/url/url_parse.h"

#include <algorithm>
#include <cstddef>

#include "crawler/url/url_host.h"

namespace tincrawl {
namespace {

constexpr int kEof = -1;

enum class State {
  kSchemeStart,
  kScheme,
  kNoScheme,
  kSpecialRelativeOrAuthority,
  kPathOrAuthority,
  kRelative,
  kRelativeSlash,
  kSpecialAuthoritySlashes,
  kSpecialAuthorityIgnoreSlashes,
  kAuthority,
  kHost,
  kPort,
  kPathStart,
  kPath,
  kOpaquePath,
  kQuery,
  kFragment,
};

bool IsAsciiAlpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(int c) { return c >= '0' && c <= '9'; }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsLower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (AsciiLower(text[i]) != lower[i]) return false;
  }
  return true;
}

bool IsSingleDot(std::string_view s) { return s == "." || EqualsLower(s, "%2e"); }
bool IsDoubleDot(std::string_view s) {
  return s == ".." || EqualsLower(s, ".%2e") || EqualsLower(s, "%2e.") || EqualsLower(s, "%2e%2e");
}

// Strips leading and trailing C0 controls and spaces, and removes every tab and newline.
std::string Preprocess(std::string_view in) {
  while (!in.empty() && static_cast<unsigned char>(in.front()) <= ' ') in.remove_prefix(1);
  while (!in.empty() && static_cast<unsigned char>(in.back()) <= ' ') in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

// One run of the basic URL parser. Each state is a method that returns false on failure.
class Parser {
 public:
  Parser(std::string_view input, const WebUrl* base) : input_(Preprocess(input)), base_(base) {}

  std::optional<WebUrl> Run() {
    const auto end = static_cast<ptrdiff_t>(input_.size());
    for (pointer_ = 0;; ++pointer_) {
      if (!Step()) return std::nullopt;
      if (pointer_ >= end) break;
    }
    return std::move(url_);
  }

 private:
  int C() const {
    if (pointer_ < 0 || pointer_ >= static_cast<ptrdiff_t>(input_.size())) return kEof;
    return static_cast<unsigned char>(input_[static_cast<size_t>(pointer_)]);
  }
  // The code point after C(), or kEof.
  int Next() const {
    const ptrdiff_t n = pointer_ + 1;
    if (n >= static_cast<ptrdiff_t>(input_.size())) return kEof;
    return static_cast<unsigned char>(input_[static_cast<size_t>(n)]);
  }
  // The byte C() as a string.
  std::string_view Current() const {
    return std::string_view(input_).substr(static_cast<size_t>(pointer_), 1);
  }
  bool Special() const { return url_.IsSpecial(); }
  // '/' always ends a segment or authority; '\' too in special URLs.
  bool IsSlash(int c) const { return c == '/' || (Special() && c == '\\'); }
  void Go(State s, int rewind = 0) {
    state_ = s;
    pointer_ -= rewind;
  }

  bool Step();
  bool SchemeStart();
  bool Scheme();
  bool NoScheme();
  bool Relative();
  bool RelativeSlash();
  bool Authority();
  bool Host();
  bool Port();
  bool PathStart();
  bool Path();
  bool OpaquePath();
  bool Query();
  bool StartQueryOrFragment(int c);
  void CopyAuthorityFromBase();
  void ShortenPath();

  std::string input_;
  const WebUrl* base_;
  WebUrl url_;
  State state_ = State::kSchemeStart;
  std::string buffer_;
  ptrdiff_t pointer_ = 0;
  bool at_sign_seen_ = false;
  bool inside_brackets_ = false;
  bool password_token_seen_ = false;
  bool port_digits_ = false;
  uint32_t port_value_ = 0;
};

bool Parser::Step() {
  const int c = C();
  switch (state_) {
    case State::kSchemeStart:
      return SchemeStart();
    case State::kScheme:
      return Scheme();
    case State::kNoScheme:
      return NoScheme();
    case State::kSpecialRelativeOrAuthority:
      if (c == '/' && Next() == '/') {
        Go(State::kSpecialAuthorityIgnoreSlashes);
        ++pointer_;
      } else {
        Go(State::kRelative, 1);
      }
      return true;
    case State::kPathOrAuthority:
      c == '/' ? Go(State::kAuthority) : Go(State::kPath, 1);
      return true;
    case State::kRelative:
      return Relative();
    case State::kRelativeSlash:
      return RelativeSlash();
    case State::kSpecialAuthoritySlashes:
      Go(State::kSpecialAuthorityIgnoreSlashes, c == '/' && Next() == '/' ? -1 : 1);
      return true;
    case State::kSpecialAuthorityIgnoreSlashes:
      if (c != '/' && c != '\\') Go(State::kAuthority, 1);
      return true;
    case State::kAuthority:
      return Authority();
    case State::kHost:
      return Host();
    case State::kPort:
      return Port();
    case State::kPathStart:
      return PathStart();
    case State::kPath:
      return Path();
    case State::kOpaquePath:
      return OpaquePath();
    case State::kQuery:
      return Query();
    case State::kFragment:
      if (c != kEof) AppendPercentEncoded(Current(), EncodeSet::kFragment, &*url_.fragment);
      return true;
  }
  return false;
}

bool Parser::SchemeStart() {
  const int c = C();
  if (IsAsciiAlpha(c)) {
    buffer_.push_back(AsciiLower(static_cast<char>(c)));
    Go(State::kScheme);
  } else {
    Go(State::kNoScheme, 1);
  }
  return true;
}

bool Parser::Scheme() {
  const int c = C();
  if (IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '+' || c == '-' || c == '.') {
    buffer_.push_back(AsciiLower(static_cast<char>(c)));
    return true;
  }
  if (c != ':') {  // Not a scheme after all: start over as a relative reference.
    buffer_.clear();
    Go(State::kNoScheme);
    pointer_ = -1;
    return true;
  }
  url_.scheme = std::move(buffer_);
  buffer_.clear();
  if (url_.scheme == "file") return false;  // Not supported (see the header).
  if (Special() && base_ != nullptr && base_->scheme == url_.scheme) {
    Go(State::kSpecialRelativeOrAuthority);
  } else if (Special()) {
    Go(State::kSpecialAuthoritySlashes);
  } else if (Next() == '/') {
    Go(State::kPathOrAuthority);
    ++pointer_;
  } else {
    url_.has_opaque_path = true;
    Go(State::kOpaquePath);
  }
  return true;
}

bool Parser::NoScheme() {
  const int c = C();
  if (base_ == nullptr || (base_->has_opaque_path && c != '#')) return false;
  if (base_->scheme == "file") return false;  // Not supported (see the header).
  if (base_->has_opaque_path) {
    url_.scheme = base_->scheme;
    url_.has_opaque_path = true;
    url_.opaque_path = base_->opaque_path;
    url_.query = base_->query;
    url_.fragment = "";
    Go(State::kFragment);
  } else {
    Go(State::kRelative, 1);
  }
  return true;
}

// Moves to the query or fragment state when `c` is '?' or '#'; false for any other `c`.
bool Parser::StartQueryOrFragment(int c) {
  if (c == '?') {
    url_.query = "";
    Go(State::kQuery);
  } else if (c == '#') {
    url_.fragment = "";
    Go(State::kFragment);
  } else {
    return false;
  }
  return true;
}

void Parser::CopyAuthorityFromBase() {
  url_.username = base_->username;
  url_.password = base_->password;
  url_.host = base_->host;
  url_.port = base_->port;
}

bool Parser::Relative() {
  const int c = C();
  url_.scheme = base_->scheme;
  if (IsSlash(c)) {
    Go(State::kRelativeSlash);
    return true;
  }
  CopyAuthorityFromBase();
  url_.path = base_->path;
  url_.query = base_->query;
  if (!StartQueryOrFragment(c) && c != kEof) {
    url_.query.reset();
    ShortenPath();
    Go(State::kPath, 1);
  }
  return true;
}

bool Parser::RelativeSlash() {
  const int c = C();
  if (Special() && (c == '/' || c == '\\')) {
    Go(State::kSpecialAuthorityIgnoreSlashes);
  } else if (c == '/') {
    Go(State::kAuthority);
  } else {
    CopyAuthorityFromBase();
    Go(State::kPath, 1);
  }
  return true;
}

bool Parser::Authority() {
  const int c = C();
  if (c == '@') {
    if (at_sign_seen_) buffer_.insert(0, "%40");
    at_sign_seen_ = true;
    for (char b : buffer_) {
      if (b == ':' && !password_token_seen_) {
        password_token_seen_ = true;
        continue;
      }
      AppendPercentEncoded(std::string_view(&b, 1), EncodeSet::kUserinfo,
                           password_token_seen_ ? &url_.password : &url_.username);
    }
    buffer_.clear();
  } else if (c == kEof || IsSlash(c) || c == '?' || c == '#') {
    if (at_sign_seen_ && buffer_.empty()) return false;
    pointer_ -= static_cast<ptrdiff_t>(buffer_.size()) + 1;
    buffer_.clear();
    Go(State::kHost);
  } else {
    buffer_.push_back(static_cast<char>(c));
  }
  return true;
}

bool Parser::Host() {
  const int c = C();
  const bool at_end = c == kEof || IsSlash(c) || c == '?' || c == '#';
  if ((c == ':' && !inside_brackets_) || at_end) {
    if (at_end) --pointer_;
    if (buffer_.empty() && (c == ':' || Special())) return false;
    std::optional<std::string> host = ParseWebHost(buffer_, Special());
    if (!host) return false;
    url_.host = std::move(host);
    buffer_.clear();
    Go(at_end ? State::kPathStart : State::kPort);
    return true;
  }
  if (c == '[') inside_brackets_ = true;
  if (c == ']') inside_brackets_ = false;
  buffer_.push_back(static_cast<char>(c));
  return true;
}

bool Parser::Port() {
  const int c = C();
  if (IsAsciiDigit(c)) {  // Saturates, so that any overlong port is refused below.
    port_digits_ = true;
    port_value_ = std::min<uint32_t>(port_value_ * 10 + static_cast<uint32_t>(c - '0'), 70000);
    return true;
  }
  if (c != kEof && !IsSlash(c) && c != '?' && c != '#') return false;
  if (port_digits_) {
    if (port_value_ > 65535) return false;
    if (DefaultPort(url_.scheme) == port_value_) {
      url_.port.reset();
    } else {
      url_.port = static_cast<uint16_t>(port_value_);
    }
  }
  Go(State::kPathStart, 1);
  return true;
}

bool Parser::PathStart() {
  const int c = C();
  if (Special()) {
    Go(State::kPath, c == '/' || c == '\\' ? 0 : 1);
  } else if (!StartQueryOrFragment(c) && c != kEof) {
    Go(State::kPath, c == '/' ? 0 : 1);
  }
  return true;
}

void Parser::ShortenPath() {
  if (!url_.path.empty()) url_.path.pop_back();
}

bool Parser::Path() {
  const int c = C();
  if (c != kEof && !IsSlash(c) && c != '?' && c != '#') {
    AppendPercentEncoded(Current(), EncodeSet::kPath, &buffer_);
    return true;
  }
  if (IsDoubleDot(buffer_)) {
    ShortenPath();
    if (!IsSlash(c)) url_.path.emplace_back();
  } else if (IsSingleDot(buffer_)) {
    if (!IsSlash(c)) url_.path.emplace_back();
  } else {
    url_.path.push_back(std::move(buffer_));
  }
  buffer_.clear();
  StartQueryOrFragment(c);
  return true;
}

bool Parser::OpaquePath() {
  const int c = C();
  if (StartQueryOrFragment(c)) return true;
  if (c == ' ' && (Next() == '?' || Next() == '#')) {
    url_.opaque_path.append("%20");
  } else if (c != kEof) {
    AppendPercentEncoded(Current(), EncodeSet::kC0Control, &url_.opaque_path);
  }
  return true;
}

bool Parser::Query() {
  const int c = C();
  if (c != kEof && c != '#') {
    buffer_.push_back(static_cast<char>(c));
    return true;
  }
  AppendPercentEncoded(buffer_, Special() ? EncodeSet::kSpecialQuery : EncodeSet::kQuery,
                       &*url_.query);
  buffer_.clear();
  StartQueryOrFragment(c);  // c is '#' or the end.
  return true;
}

}  // namespace

std::optional<uint16_t> DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

bool WebUrl::IsSpecial() const { return DefaultPort(scheme).has_value() || scheme == "file"; }

std::string WebUrl::PathString() const {
  if (has_opaque_path) return opaque_path;
  std::string out;
  for (const std::string& segment : path) out.append("/").append(segment);
  return out;
}

std::string WebUrl::Href(bool with_fragment) const {
  std::string out = scheme + ":";
  if (host) {
    out.append("//");
    if (!username.empty() || !password.empty()) {
      out.append(username);
      if (!password.empty()) out.append(":").append(password);
      out.push_back('@');
    }
    out.append(*host);
    if (port) out.append(":").append(std::to_string(*port));
  } else if (!has_opaque_path && path.size() > 1 && path[0].empty()) {
    out.append("/.");
  }
  out.append(PathString());
  if (query) out.append("?").append(*query);
  if (fragment && with_fragment) out.append("#").append(*fragment);
  return out;
}

std::optional<WebUrl> ParseWebUrl(std::string_view input, const WebUrl* base) {
  return Parser(input, base).Run();
}

}  // namespace tincrawl
