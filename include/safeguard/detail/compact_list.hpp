// A short list of 32-bit numbers (vertex indices, symbols) held in 16 bytes: up to two in place,
// more on the heap. What a record's lists are (a concern's about and involves, a factor's
// protects, a person's flags): almost always one or two items, a million records and more.
//
// Why not std::vector or boost::container::small_vector: a std::vector is 24 bytes plus a heap
// block of at least 32 for a single item, and small_vector<std::uint32_t, 2> is 32 bytes (a
// vector's three words and the items in place). At three concerns a child that was a sixth of the
// record (docs/performance.md, "The record measured alone"). Neither library offers a list whose
// size and capacity are 32-bit and share its 16 bytes with the items in place.
//
// It behaves as a std::vector of its items does, as far as the library and its callers use one:
// contiguous (data(), pointer iterators), copy and move, comparison, push_back and insert (strong
// guarantee), erase (never gives memory back, so an insert of as many never allocates: what an
// undo needs).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace safeguard::detail {

template <typename T>
class CompactList {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) == 4,
                "CompactList holds 32-bit trivially copyable items");

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;

  static constexpr std::uint32_t kInPlace = 2;

  CompactList() noexcept = default;
  CompactList(std::initializer_list<T> items) { assign(items.begin(), items.end()); }
  // From a std::vector, implicitly: what the list was before, so `record.about = ids` reads on.
  CompactList(const std::vector<T>& items) { assign(items.data(), items.data() + items.size()); }
  CompactList(const CompactList& other) { assign(other.begin(), other.end()); }
  CompactList(CompactList&& other) noexcept { take(other); }
  CompactList& operator=(const CompactList& other) {
    if (this != &other) {
      CompactList copy(other);
      swap(copy);
    }
    return *this;
  }
  CompactList& operator=(CompactList&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  CompactList& operator=(std::initializer_list<T> items) { return *this = CompactList(items); }
  ~CompactList() { release(); }

  void swap(CompactList& other) noexcept {
    CompactList held;
    held.take(other);
    other.take(*this);
    take(held);
  }

  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_type capacity() const noexcept { return capacity_; }
  size_type max_size() const noexcept { return std::numeric_limits<std::uint32_t>::max(); }

  T* data() noexcept { return on_heap() ? heap_ : in_place_; }
  const T* data() const noexcept { return on_heap() ? heap_ : in_place_; }
  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }
  const_iterator cbegin() const noexcept { return begin(); }
  const_iterator cend() const noexcept { return end(); }

  T& operator[](size_type i) noexcept { return data()[i]; }
  const T& operator[](size_type i) const noexcept { return data()[i]; }
  const T& at(size_type i) const {
    if (i >= size_) throw std::out_of_range("CompactList::at");
    return data()[i];
  }
  T& front() noexcept { return data()[0]; }
  const T& front() const noexcept { return data()[0]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }

  void reserve(size_type wanted) {
    if (wanted <= capacity_) return;
    if (wanted > max_size()) throw std::length_error("CompactList is full");
    T* grown = std::allocator<T>().allocate(wanted);
    const std::uint32_t size = size_;
    std::memcpy(grown, data(), size * sizeof(T));
    release();
    heap_ = grown;
    capacity_ = static_cast<std::uint32_t>(wanted);
    size_ = size;
  }

  void push_back(T item) {
    if (size_ == capacity_) reserve(std::size_t(capacity_) * 2);
    data()[size_++] = item;
  }

  iterator insert(const_iterator at, T item) {
    const auto position = static_cast<size_type>(at - begin());
    if (size_ == capacity_) reserve(std::size_t(capacity_) * 2);
    T* items = data();
    std::memmove(items + position + 1, items + position, (size_ - position) * sizeof(T));
    items[position] = item;
    ++size_;
    return items + position;
  }

  iterator erase(const_iterator at) noexcept { return erase(at, at + 1); }
  iterator erase(const_iterator first, const_iterator last) noexcept {
    T* items = data();
    const auto from = static_cast<size_type>(first - items);
    const auto count = static_cast<size_type>(last - first);
    std::memmove(items + from, items + from + count, (size_ - from - count) * sizeof(T));
    size_ -= static_cast<std::uint32_t>(count);
    return items + from;
  }

  void clear() noexcept { size_ = 0; }

  template <typename It>
  void assign(It first, It last) {
    const auto count = static_cast<size_type>(std::distance(first, last));
    if (count > capacity_) {
      CompactList grown;
      grown.reserve(count);
      std::copy(first, last, grown.data());
      grown.size_ = static_cast<std::uint32_t>(count);
      swap(grown);
      return;
    }
    std::copy(first, last, data());
    size_ = static_cast<std::uint32_t>(count);
  }

  friend bool operator==(const CompactList& a, const CompactList& b) noexcept {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const CompactList& a, const CompactList& b) noexcept { return !(a == b); }
  friend bool operator==(const CompactList& a, const std::vector<T>& b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator==(const std::vector<T>& a, const CompactList& b) noexcept { return b == a; }
  friend bool operator!=(const CompactList& a, const std::vector<T>& b) noexcept {
    return !(a == b);
  }
  friend bool operator!=(const std::vector<T>& a, const CompactList& b) noexcept {
    return !(b == a);
  }

 private:
  bool on_heap() const noexcept { return capacity_ > kInPlace; }
  // Leaving the heap, the in-place items become the union's active member again: assigning to
  // one begins their lifetime (a write through data() to an inactive member would not).
  void release() noexcept {
    if (on_heap()) {
      std::allocator<T>().deallocate(heap_, capacity_);
      in_place_[0] = T{};
    }
    capacity_ = kInPlace;
    size_ = 0;
  }
  // Takes `other`'s items (this one holds none and is in place); `other` is left empty, in place.
  void take(CompactList& other) noexcept {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) {
      heap_ = other.heap_;
      other.in_place_[0] = T{};
    } else {
      for (size_type i = 0; i < kInPlace; ++i) in_place_[i] = other.in_place_[i];
    }
    other.size_ = 0;
    other.capacity_ = kInPlace;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInPlace;  // more than kInPlace: the items are on the heap
  union {
    T in_place_[kInPlace] = {};
    T* heap_;
  };
};

}  // namespace safeguard::detail
