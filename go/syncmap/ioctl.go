// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package syncmap

import (
	"syscall"
	"unsafe"
)

// The uapi of include/uapi/linux/syncmap.h. Its __aligned_u64 user
// pointers are Go pointers here, which are 64 bits on the architectures
// above: the garbage collector then keeps what they point to alive and
// in place for the call.

const (
	iocMagic = 0xB9
	iocWrite = 1
	iocRead  = 2
	nameLen  = 32 // SYNCMAP_NAME_LEN
	batchMax = 4096

	flagLoaded  = 1 << 0 // SYNCMAP_F_LOADED
	flagSwapped = 1 << 1 // SYNCMAP_F_SWAPPED
	rangeDone   = 1 << 0 // SYNCMAP_RANGE_DONE
)

func ioc(dir, nr, size uintptr) uintptr {
	return dir<<30 | size<<16 | iocMagic<<8 | nr
}

// struct syncmap_kv
type kv struct {
	key, value, old          unsafe.Pointer
	keyLen, valueLen, oldLen uint32
	flags                    uint32
}

// struct syncmap_stats
type rawStats struct {
	Entries, MaxEntries, MaxKeyLen, MaxValueLen uint64
	ReadSlots, DirtySlots, Misses, Promotions   uint64
	DirtyBuilds, Floods, Revivals               uint64
}

// struct syncmap_range
type rangeArg struct {
	cursor                    uint64
	buf                       unsafe.Pointer
	bufLen, count, flags, pad uint32
}

// struct syncmap_batch
type batchArg struct {
	kvs          unsafe.Pointer
	count, flags uint32
}

// struct syncmap_create
type createArg struct {
	name                               [nameLen]byte
	maxEntries, maxKeyLen, maxValueLen uint32
	mode, flags, pad                   uint32
}

// struct syncmap_name
type nameArg struct {
	name       [nameLen]byte
	flags, pad uint32
}

// struct syncmap_info
type rawInfo struct {
	name                   [nameLen]byte
	entries, maxEntries    uint64
	maxKeyLen, maxValueLen uint32
	uid, gid, mode, pad    uint32
}

// struct syncmap_list
type listArg struct {
	buf          unsafe.Pointer
	count, flags uint32
}

var (
	iocStore            = ioc(iocWrite, 1, unsafe.Sizeof(kv{}))
	iocLoad             = ioc(iocRead|iocWrite, 2, unsafe.Sizeof(kv{}))
	iocDelete           = ioc(iocRead|iocWrite, 3, unsafe.Sizeof(kv{}))
	iocLoadOrStore      = ioc(iocRead|iocWrite, 4, unsafe.Sizeof(kv{}))
	iocLoadAndDelete    = ioc(iocRead|iocWrite, 5, unsafe.Sizeof(kv{}))
	iocSwap             = ioc(iocRead|iocWrite, 6, unsafe.Sizeof(kv{}))
	iocCompareAndSwap   = ioc(iocRead|iocWrite, 7, unsafe.Sizeof(kv{}))
	iocCompareAndDelete = ioc(iocRead|iocWrite, 8, unsafe.Sizeof(kv{}))
	iocClear            = ioc(0, 9, 0)
	iocStats            = ioc(iocRead, 10, unsafe.Sizeof(rawStats{}))
	iocRange            = ioc(iocRead|iocWrite, 11, unsafe.Sizeof(rangeArg{}))
	iocCreate           = ioc(iocWrite, 12, unsafe.Sizeof(createArg{}))
	iocDestroy          = ioc(iocWrite, 13, unsafe.Sizeof(nameArg{}))
	iocList             = ioc(iocRead|iocWrite, 14, unsafe.Sizeof(listArg{}))
	iocLoadBatch        = ioc(iocRead|iocWrite, 15, unsafe.Sizeof(batchArg{}))
	iocStoreBatch       = ioc(iocRead|iocWrite, 16, unsafe.Sizeof(batchArg{}))
	iocDeleteBatch      = ioc(iocRead|iocWrite, 17, unsafe.Sizeof(batchArg{}))
)

// ioctl with a pointer argument; the conversion in the call keeps *arg
// alive and unmoved until the system call returns.
func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// bytesOf points at a string's bytes (nil for the empty string), which
// the kernel only reads.
func bytesOf(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

func bufOf(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
