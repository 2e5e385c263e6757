// A growable array kept in fixed-size pages: the record's vectors of persons, concerns, factors
// and the other entities (CaseGraph, graph.hpp).
//
// Why not std::vector: a record built in batches (a case management system syncing, the
// generator, frames from Python) grows its vectors one item at a time, and a std::vector grows by
// doubling. Measured on a generated 100,000-child caseload, the persons', concerns' and factors'
// vectors held some 410 bytes a child of room never filled (docs/performance.md, "The record in
// pages"); and each doubling copied the whole vector inside one batch, a few hundred megabytes
// at a million children, with the old and the new copy both held. Pages bound the unfilled room
// to one page a vector, never move an element once the first page is whole (so references to
// records stay valid as the record grows) and never hold two copies. std::deque would do the
// same with pages of 512 bytes (four concerns), a page table that is itself a deque, and no way
// to make room for the next element ahead of a step that must not fail (the undo log's rule,
// src/graph.cpp); Boost's stable_vector allocates a node per element. Hence this, written here.
//
// An element is at pages_[i >> kShift][i & kMask]: one more load than a vector, from a page
// table of a few thousand pointers at a million children (it stays in the cache). The first
// page starts small and doubles until it is whole (moving its elements, as a vector would), so
// a graph of a few entities holds a few kilobytes, not 64 KiB a kind; from the second page on,
// nothing moves.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace safeguard::detail {

template <typename T>
class PagedVector {
  // Elements per page: the largest power of two whose page fits 64 KiB (at least one).
  static constexpr std::size_t shift_for(std::size_t element) {
    std::size_t shift = 0;
    while ((std::size_t{2} << shift) * element <= std::size_t{65536}) ++shift;
    return shift;
  }

 public:
  static constexpr std::size_t kShift = shift_for(sizeof(T));
  static constexpr std::size_t kPerPage = std::size_t{1} << kShift;
  static constexpr std::size_t kMask = kPerPage - 1;
  // What the first page holds to begin with (it doubles up to kPerPage).
  static constexpr std::size_t kFirstPage = kPerPage < 8 ? kPerPage : 8;
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "the first page moves its elements as it grows");

  using value_type = T;
  using size_type = std::size_t;
  using reference = T&;
  using const_reference = const T&;

  template <bool Const>
  class Iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T*, T*>;
    using reference = std::conditional_t<Const, const T&, T&>;
    using Owner = std::conditional_t<Const, const PagedVector, PagedVector>;

    Iterator() = default;
    Iterator(Owner* owner, std::size_t at) noexcept : owner_(owner), at_(at) {}
    operator Iterator<true>() const noexcept { return Iterator<true>(owner_, at_); }

    reference operator*() const noexcept { return (*owner_)[at_]; }
    pointer operator->() const noexcept { return &(*owner_)[at_]; }
    reference operator[](difference_type n) const noexcept { return (*owner_)[at_ + n]; }
    Iterator& operator++() noexcept { return ++at_, *this; }
    Iterator operator++(int) noexcept { return Iterator(owner_, at_++); }
    Iterator& operator--() noexcept { return --at_, *this; }
    Iterator operator--(int) noexcept { return Iterator(owner_, at_--); }
    Iterator& operator+=(difference_type n) noexcept { return at_ += n, *this; }
    Iterator& operator-=(difference_type n) noexcept { return at_ -= n, *this; }
    friend Iterator operator+(Iterator i, difference_type n) noexcept { return i += n; }
    friend Iterator operator+(difference_type n, Iterator i) noexcept { return i += n; }
    friend Iterator operator-(Iterator i, difference_type n) noexcept { return i -= n; }
    friend difference_type operator-(const Iterator& a, const Iterator& b) noexcept {
      return static_cast<difference_type>(a.at_) - static_cast<difference_type>(b.at_);
    }
    friend bool operator==(const Iterator& a, const Iterator& b) noexcept { return a.at_ == b.at_; }
    friend bool operator!=(const Iterator& a, const Iterator& b) noexcept { return a.at_ != b.at_; }
    friend bool operator<(const Iterator& a, const Iterator& b) noexcept { return a.at_ < b.at_; }
    friend bool operator>(const Iterator& a, const Iterator& b) noexcept { return a.at_ > b.at_; }
    friend bool operator<=(const Iterator& a, const Iterator& b) noexcept { return a.at_ <= b.at_; }
    friend bool operator>=(const Iterator& a, const Iterator& b) noexcept { return a.at_ >= b.at_; }

   private:
    Owner* owner_ = nullptr;
    std::size_t at_ = 0;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  PagedVector() = default;
  ~PagedVector() { release(); }

  PagedVector(const PagedVector& other) {
    reserve(other.size_);
    try {
      for (std::size_t i = 0; i < other.size_; ++i) push_back(other[i]);
    } catch (...) {
      release();
      throw;
    }
  }
  PagedVector(PagedVector&& other) noexcept
      : pages_(std::move(other.pages_)),
        size_(std::exchange(other.size_, 0)),
        first_(std::exchange(other.first_, 0)) {
    other.pages_.clear();
  }
  // Strong guarantee: the copy is made first.
  PagedVector& operator=(const PagedVector& other) {
    if (this != &other) {
      PagedVector copy(other);
      swap(copy);
    }
    return *this;
  }
  PagedVector& operator=(PagedVector&& other) noexcept {
    if (this != &other) {
      release();
      pages_ = std::move(other.pages_);
      other.pages_.clear();
      size_ = std::exchange(other.size_, 0);
      first_ = std::exchange(other.first_, 0);
    }
    return *this;
  }
  void swap(PagedVector& other) noexcept {
    pages_.swap(other.pages_);
    std::swap(size_, other.size_);
    std::swap(first_, other.first_);
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Elements the pages allocated so far hold (size() included).
  std::size_t capacity() const noexcept {
    return pages_.size() > 1 ? pages_.size() * kPerPage : first_;
  }

  T& operator[](std::size_t i) noexcept { return pages_[i >> kShift][i & kMask]; }
  const T& operator[](std::size_t i) const noexcept { return pages_[i >> kShift][i & kMask]; }
  T& back() noexcept { return (*this)[size_ - 1]; }
  const T& back() const noexcept { return (*this)[size_ - 1]; }

  iterator begin() noexcept { return iterator(this, 0); }
  iterator end() noexcept { return iterator(this, size_); }
  const_iterator begin() const noexcept { return const_iterator(this, 0); }
  const_iterator end() const noexcept { return const_iterator(this, size_); }

  // Room in the page table for `count` elements. Pages themselves are allocated as they fill,
  // so a count that overstates costs a pointer a page, not the pages.
  void reserve(std::size_t count) { pages_.reserve((count + kMask) >> kShift); }

  // Room for one more element: after this, the next push_back or emplace_back allocates
  // nothing and cannot fail unless T's constructor does (the undo log makes room before a step
  // it must be able to take back).
  void reserve_one_more() {
    if (size_ < capacity()) return;
    if (pages_.size() == 1 && first_ < kPerPage) {
      // The first page, not yet whole, doubles (T's move cannot throw: static_assert above).
      const std::size_t grown = first_ * 2;
      T* page = allocate(grown);
      for (std::size_t i = 0; i < size_; ++i) {
        ::new (static_cast<void*>(page + i)) T(std::move(pages_[0][i]));
        pages_[0][i].~T();
      }
      deallocate(pages_[0]);
      pages_[0] = page;
      first_ = grown;
      return;
    }
    if (pages_.size() == pages_.capacity())
      pages_.reserve(std::max<std::size_t>(8, pages_.capacity() * 2));
    pages_.push_back(allocate(pages_.empty() ? kFirstPage : kPerPage));
    if (pages_.size() == 1) first_ = kFirstPage;
  }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    reserve_one_more();
    T* at = &(*this)[size_];
    ::new (static_cast<void*>(at)) T(std::forward<Args>(args)...);
    ++size_;
    return *at;
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }

  // Destroys the last element; its page stays, for the next push_back (an undo puts back what
  // a refused batch took).
  void pop_back() noexcept {
    --size_;
    (*this)[size_].~T();
  }

  // Destroys every element and frees every page.
  void clear() noexcept { release(); }

 private:
  // Raw storage for `count` elements, from the plain operator new when T's alignment allows (as
  // std::allocator does), so that hosts and tests that replace it see the pages.
  static constexpr bool kOverAligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  static T* allocate(std::size_t count) {
    if constexpr (kOverAligned) {
      return static_cast<T*>(::operator new (count * sizeof(T), std::align_val_t{alignof(T)}));
    } else {
      return static_cast<T*>(::operator new(count * sizeof(T)));
    }
  }
  static void deallocate(T* page) noexcept {
    if constexpr (kOverAligned) {
      ::operator delete (page, std::align_val_t{alignof(T)});
    } else {
      ::operator delete(page);
    }
  }
  void release() noexcept {
    for (std::size_t i = size_; i > 0; --i) (*this)[i - 1].~T();
    for (T* page : pages_) deallocate(page);
    std::vector<T*>().swap(pages_);
    size_ = 0;
    first_ = 0;
  }

  std::vector<T*> pages_;
  std::size_t size_ = 0;
  std::size_t first_ = 0;  // what pages_[0] holds: kFirstPage, doubled up to kPerPage
};

}  // namespace safeguard::detail
