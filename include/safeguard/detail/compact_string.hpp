// A string held in 16 bytes: up to 15 bytes in place, longer ones on the heap. What a record's ids
// and texts are (a person's id and name, a concern's id and summary): a national record holds
// millions of them, nearly all ids of a dozen characters, and most summaries empty.
//
// Why not std::string: it is 32 bytes (libstdc++), twice what an id of up to 15 bytes needs; at
// about a dozen texts a child, halving them took a sixth off the record (docs/performance.md,
// "The records' texts in 16 bytes"). Neither the standard library, Boost (boost::container::string
// is 24 bytes, boost::static_string has a fixed capacity) nor a Debian-packaged library offers a
// 16-byte string with a short-string buffer, so this one is written here. It is deliberately small:
// a value (copy, move, compare, hash), read as a std::string_view, assigned whole. It is not edited
// in place: a record's text is replaced, never grown a byte at a time.
//
// Layout (the short-string layout of folly's fbstring, shrunk to 16 bytes):
//   - in place: the bytes, a NUL after them, and in the last byte 15 minus the size, so that a
//     string of 15 bytes ends with the NUL that byte makes;
//   - on the heap: a pointer to size + 1 bytes (the last a NUL) in the first 8 bytes, the size
//     as 32 bits in the next 4, and kOnHeap in the last byte.
// c_str() is always NUL-terminated, as a std::string's is.
//
// It converts implicitly to both std::string_view and std::string, so that code written for a
// std::string field reads on; the price is that a call overloaded on both (f(std::string_view)
// and f(const std::string&)) is ambiguous for it: say which with view() or str().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace safeguard::detail {

// Under Clang, an owner of chars as std::string is: a std::string_view made from a temporary
// one is then warned about (-Wdangling-gsl), as it is for a temporary std::string.
#if defined(__clang__)
#define SAFEGUARD_OWNER_OF_CHARS [[gsl::Owner(char)]]
#else
#define SAFEGUARD_OWNER_OF_CHARS
#endif

class SAFEGUARD_OWNER_OF_CHARS CompactString {
 public:
  using value_type = char;
  using size_type = std::size_t;
  using const_iterator = const char*;
  using iterator = const char*;
  static constexpr size_type npos = std::string_view::npos;
  static constexpr size_type kInPlace = 15;

  CompactString() noexcept { set_empty(); }
  // Implicit from the string types, so `record.id = spec.id` and `Person{"P1"}` read as they did.
  CompactString(std::string_view text) { init(text); }
  CompactString(const char* text) { init(std::string_view(text)); }
  CompactString(const std::string& text) { init(std::string_view(text)); }
  CompactString(const CompactString& other) { init(other.view()); }
  CompactString(CompactString&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    other.set_empty();
  }
  ~CompactString() { release(); }

  CompactString& operator=(const CompactString& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  CompactString& operator=(CompactString&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(bytes_, other.bytes_, sizeof bytes_);
      other.set_empty();
    }
    return *this;
  }
  CompactString& operator=(std::string_view text) { return assign(text); }
  CompactString& operator=(const char* text) { return assign(std::string_view(text)); }
  CompactString& operator=(const std::string& text) { return assign(std::string_view(text)); }
  // `text = {}` empties it, as it does a std::string (without this, {} would pick the const
  // char* overload with a null pointer).
  CompactString& operator=(std::initializer_list<char> chars) {
    return assign(std::string_view(chars.begin(), chars.size()));
  }

  // Replaces the text (strong guarantee: on bad_alloc the old text stays). May alias *this.
  CompactString& assign(std::string_view text) {
    CompactString copy(text);
    swap(copy);
    return *this;
  }
  CompactString& operator+=(std::string_view more) {
    std::string joined;
    joined.reserve(size() + more.size());
    joined.append(view()).append(more);
    return assign(joined);
  }
  CompactString& operator+=(char c) { return *this += std::string_view(&c, 1); }

  void swap(CompactString& other) noexcept {
    if (this == &other) return;
    unsigned char held[sizeof bytes_];
    std::memcpy(held, bytes_, sizeof bytes_);
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    std::memcpy(other.bytes_, held, sizeof bytes_);
  }
  friend void swap(CompactString& a, CompactString& b) noexcept { a.swap(b); }
  void clear() noexcept {
    release();
    set_empty();
  }

  bool on_heap() const noexcept { return bytes_[kTag] == kOnHeap; }
  size_type size() const noexcept {
    if (!on_heap()) return kInPlace - bytes_[kTag];
    std::uint32_t size;
    std::memcpy(&size, bytes_ + 8, sizeof size);
    return size;
  }
  size_type length() const noexcept { return size(); }
  bool empty() const noexcept { return size() == 0; }
  static constexpr size_type max_size() noexcept {
    return std::numeric_limits<std::uint32_t>::max() - 1;
  }
  const char* data() const noexcept {
    if (!on_heap()) return reinterpret_cast<const char*>(bytes_);
    const char* heap;
    std::memcpy(&heap, bytes_, sizeof heap);
    return heap;
  }
  const char* c_str() const noexcept { return data(); }
  const char* begin() const noexcept { return data(); }
  const char* end() const noexcept { return data() + size(); }
  const char* cbegin() const noexcept { return begin(); }
  const char* cend() const noexcept { return end(); }
  char operator[](size_type i) const noexcept { return data()[i]; }
  char front() const noexcept { return data()[0]; }
  char back() const noexcept { return data()[size() - 1]; }

  std::string_view view() const noexcept { return {data(), size()}; }
  std::string str() const { return std::string(data(), size()); }
  operator std::string_view() const noexcept { return view(); }
  operator std::string() const { return str(); }

  size_type find(std::string_view what, size_type from = 0) const noexcept {
    return view().find(what, from);
  }
  size_type find(char c, size_type from = 0) const noexcept { return view().find(c, from); }
  size_type rfind(std::string_view what, size_type from = npos) const noexcept {
    return view().rfind(what, from);
  }
  size_type rfind(char c, size_type from = npos) const noexcept { return view().rfind(c, from); }
  std::string substr(size_type from = 0, size_type count = npos) const {
    return std::string(view().substr(from, count));
  }
  int compare(std::string_view other) const noexcept { return view().compare(other); }

  friend bool operator==(const CompactString& a, const CompactString& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator!=(const CompactString& a, const CompactString& b) noexcept {
    return a.view() != b.view();
  }
  friend bool operator<(const CompactString& a, const CompactString& b) noexcept {
    return a.view() < b.view();
  }
  friend bool operator>(const CompactString& a, const CompactString& b) noexcept {
    return a.view() > b.view();
  }
  friend bool operator<=(const CompactString& a, const CompactString& b) noexcept {
    return a.view() <= b.view();
  }
  friend bool operator>=(const CompactString& a, const CompactString& b) noexcept {
    return a.view() >= b.view();
  }

  // Against any other string type (std::string, std::string_view, a literal): templates, so a
  // literal matches them exactly instead of through one of two conversions (an ambiguity).
  template <typename S>
  using IfText = std::enable_if_t<
      std::is_convertible_v<const S&, std::string_view> && !std::is_same_v<S, CompactString>, bool>;
  template <typename S, IfText<S> = true>
  friend bool operator==(const CompactString& a, const S& b) noexcept {
    return a.view() == std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator==(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) == b.view();
  }
  template <typename S, IfText<S> = true>
  friend bool operator!=(const CompactString& a, const S& b) noexcept {
    return a.view() != std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator!=(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) != b.view();
  }
  template <typename S, IfText<S> = true>
  friend bool operator<(const CompactString& a, const S& b) noexcept {
    return a.view() < std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator<(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) < b.view();
  }
  template <typename S, IfText<S> = true>
  friend bool operator>(const CompactString& a, const S& b) noexcept {
    return a.view() > std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator>(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) > b.view();
  }
  template <typename S, IfText<S> = true>
  friend bool operator<=(const CompactString& a, const S& b) noexcept {
    return a.view() <= std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator<=(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) <= b.view();
  }
  template <typename S, IfText<S> = true>
  friend bool operator>=(const CompactString& a, const S& b) noexcept {
    return a.view() >= std::string_view(b);
  }
  template <typename S, IfText<S> = true>
  friend bool operator>=(const S& a, const CompactString& b) noexcept {
    return std::string_view(a) >= b.view();
  }

  // Joining gives a std::string, as it does for std::string_view's users.
  template <typename S, IfText<S> = true>
  friend std::string operator+(const CompactString& a, const S& b) {
    return join(a.view(), std::string_view(b));
  }
  template <typename S, IfText<S> = true>
  friend std::string operator+(const S& a, const CompactString& b) {
    return join(std::string_view(a), b.view());
  }
  friend std::string operator+(const CompactString& a, const CompactString& b) {
    return join(a.view(), b.view());
  }
  friend std::string operator+(std::string&& a, const CompactString& b) {
    return std::move(a.append(b.view()));
  }
  friend std::string operator+(const CompactString& a, char b) {
    return join(a.view(), std::string_view(&b, 1));
  }
  friend std::string operator+(char a, const CompactString& b) {
    return join(std::string_view(&a, 1), b.view());
  }

  friend std::ostream& operator<<(std::ostream& out, const CompactString& s) {
    return out << s.view();
  }

 private:
  static constexpr int kTag = 15;
  static constexpr unsigned char kOnHeap = 0xFF;

  static std::string join(std::string_view a, std::string_view b) {
    std::string joined;
    joined.reserve(a.size() + b.size());
    joined.append(a).append(b);
    return joined;
  }

  void set_empty() noexcept {
    std::memset(bytes_, 0, sizeof bytes_);
    bytes_[kTag] = static_cast<unsigned char>(kInPlace);
  }
  void init(std::string_view text) {
    if (text.size() <= kInPlace) {
      std::memset(bytes_, 0, sizeof bytes_);
      if (!text.empty()) std::memcpy(bytes_, text.data(), text.size());
      bytes_[kTag] = static_cast<unsigned char>(kInPlace - text.size());
      return;
    }
    if (text.size() > max_size()) throw std::length_error("safeguard: text longer than 4 GB");
    char* heap = static_cast<char*>(::operator new(text.size() + 1));
    std::memcpy(heap, text.data(), text.size());
    heap[text.size()] = '\0';
    const auto size = static_cast<std::uint32_t>(text.size());
    std::memset(bytes_, 0, sizeof bytes_);
    std::memcpy(bytes_, &heap, sizeof heap);
    std::memcpy(bytes_ + 8, &size, sizeof size);
    bytes_[kTag] = kOnHeap;
  }
  void release() noexcept {
    if (on_heap()) ::operator delete(const_cast<char*>(data()));
  }

  alignas(8) unsigned char bytes_[16];
};

#undef SAFEGUARD_OWNER_OF_CHARS

static_assert(sizeof(CompactString) == 16, "a record's text is 16 bytes");
static_assert(std::is_nothrow_move_constructible_v<CompactString>);

}  // namespace safeguard::detail

namespace std {
template <>
struct hash<safeguard::detail::CompactString> {
  size_t operator()(const safeguard::detail::CompactString& s) const noexcept {
    return hash<string_view>()(s.view());
  }
};
}  // namespace std
