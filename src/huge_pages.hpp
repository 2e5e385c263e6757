// Large buffers backed by transparent huge pages where the kernel offers them on request.
//
// A batch assessment of a large caseload writes a few hundred megabytes of fresh memory (the
// snapshot's columns, the explanation lines). With 4 KiB pages every first touch of a page is a
// fault, and on virtual machines a fault is expensive: on our development VM the faults cost
// more than the scoring (docs/performance.md). Linux serves transparent huge pages (2 MiB) to
// regions marked MADV_HUGEPAGE when /sys/kernel/mm/transparent_hugepage/enabled is "madvise"
// (as on our development VM; with "always" it does so anyway), so the buffers that grow large
// are marked right after they are reserved.
// On a VM whose balloon device hands free memory back to the host the reverse can hold: a huge
// page's first touch then faults into the host and costs about five times a small page's
// (docs/performance.md, "What fresh memory costs on the VM"); a host turns the marks off for
// its process with prctl(PR_SET_THP_DISABLE), as the program does for SAFEGUARD_HUGE_PAGES=off.
// The mark changes nothing about the memory's contents or lifetime; where huge pages are
// unavailable (other systems, "never", small buffers) this does nothing. No library wraps this
// one system call for std::vector, hence these few lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace safeguard::detail {

// Buffers below this are left alone: a huge page would be mostly empty.
inline constexpr std::size_t kHugePageThreshold = std::size_t{8} << 20;

inline void advise_huge_pages(const void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes < kHugePageThreshold) return;
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);  // whole huge pages only
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// v.reserve(n), then the new buffer marked for huge pages if it is large. (Not for
// std::vector<bool>, which has no data().)
template <typename T, typename Allocator>
void reserve_huge(std::vector<T, Allocator>& v, std::size_t n) {
  const bool grows = n > v.capacity();
  v.reserve(n);
  if (grows) advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// v.assign(n, value) into a buffer marked for huge pages if it is large.
template <typename T, typename Allocator>
void assign_huge(std::vector<T, Allocator>& v, std::size_t n,
                 const typename std::vector<T, Allocator>::value_type& value) {
  v.clear();
  reserve_huge(v, n);
  v.assign(n, value);
}

// v.resize(n) into a buffer marked for huge pages if it is large.
template <typename T, typename Allocator>
void resize_huge(std::vector<T, Allocator>& v, std::size_t n) {
  reserve_huge(v, n);
  v.resize(n);
}

// reserve_huge and assign_huge for a buffer refilled again and again with sizes that creep up
// (a Reassessor's partial snapshot and results, one update after another): past its capacity it
// grows at least twofold, so that it is reallocated a logarithmic number of times rather than
// at every new largest size. A buffer with no capacity yet gets exactly n, as above.
template <typename T, typename Allocator>
void reserve_refill(std::vector<T, Allocator>& v, std::size_t n) {
  if (n > v.capacity()) reserve_huge(v, n > 2 * v.capacity() ? n : 2 * v.capacity());
}

template <typename T, typename Allocator>
void assign_refill(std::vector<T, Allocator>& v, std::size_t n,
                   const typename std::vector<T, Allocator>::value_type& value) {
  v.clear();
  reserve_refill(v, n);
  v.assign(n, value);
}

}  // namespace safeguard::detail
