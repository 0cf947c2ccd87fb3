// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of the kernel API for the user-space build (see shim.h):
 * spinlocks' slow paths, allocation with fault injection, siphash, time,
 * kthreads, completions, timers, workqueues.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

long shim_warnings;
int shim_module_dummy;

void shim_warn(const char *file, int line, const char *cond)
{
	__atomic_fetch_add(&shim_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}

#ifdef SHIM_DEBUG_ATOMIC_SLEEP
__thread int shim_atomic_depth;
__thread bool shim_expect_atomic_sleep;
__thread unsigned long shim_atomic_sleeps;

void shim_might_sleep(const char *file, int line)
{
	if (shim_atomic_depth <= 0)
		return;
	if (shim_expect_atomic_sleep) {
		shim_atomic_sleeps++;
		return;
	}
	shim_warn(file, line, "sleeping function called from invalid context");
}
#endif

#ifdef SHIM_LOCKDEP
__thread char shim_self_anchor;
#endif

/* ---- spinlocks: the contended paths (the fast ones are in shim.h) ------ */

#define SHIM_SPIN_TRIES	100
/* <linux/futex.h>'s, which the shim's own linux/ headers would shadow */
#define SHIM_FUTEX_WAIT	(0 | 128)	/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define SHIM_FUTEX_WAKE	(1 | 128)

static void futex_op(int *uaddr, int op, int val)
{
	syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

void shim_spin_lock_slow(spinlock_t *l)
{
	int i, c;

	for (i = 0; i < SHIM_SPIN_TRIES; i++) {
		c = 0;
		if (__atomic_compare_exchange_n(&l->v, &c, 1, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		if (c == 2)
			break;	/* sleepers already: join them */
		cpu_relax();
	}
	/* Taken as 2 from here on: our unlock must wake whoever sleeps. */
	while (__atomic_exchange_n(&l->v, 2, __ATOMIC_ACQUIRE))
		futex_op(&l->v, SHIM_FUTEX_WAIT, 2);
}

void shim_spin_wake(spinlock_t *l)
{
	futex_op(&l->v, SHIM_FUTEX_WAKE, 1);
}

/* ---- allocation: the n-th allocation of this thread can be made to fail */

/*
 * current->fail_nth, as in the kernel's should_fail_ex(): n > 0 makes the
 * n-th allocation from now fail, and reads 0 once it has. __GFP_NOFAIL
 * allocations are not counted (failslab skips them too).
 */
/*
 * Zeroed allocations are handed back populated and zeroed, as the
 * kernel's kvzalloc() hands them back, at the cost of the caller that
 * allocates: a calloc() of fresh mmap()ed memory (glibc's, from 128 KiB)
 * would fault its pages in on first touch, which for syncmap's tables is
 * under the map's lock. Below 4 MiB, where kvzalloc() is a kmalloc() and
 * a memset(), they are malloc()ed and cleared (explicit_bzero(): GCC
 * turns malloc() and memset() into calloc()); from 4 MiB on, where the
 * kernel's is a vmalloc(), they are mmap()ed with MAP_POPULATE (pages
 * allocated and cleared in a loop, not faulted in one by one: 12 ms for
 * 64 MiB here, 180 ms faulted), and remembered, so that shim_kfree()
 * knows to munmap() them. (mmap() from 64 KiB on made the small maps'
 * tables cost an mmap() and a munmap(), whose TLB shootdowns slowed the
 * 2-thread Mix runs by 20-40%.)
 */
#define SHIM_CLEAR_MIN	(128UL << 10)
#define SHIM_MMAP_MIN	(4UL << 20)
#define SHIM_MMAP_MAX	1024

static pthread_mutex_t mmap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { void *p; size_t size; } mmapped[SHIM_MMAP_MAX];
static size_t mapped_bytes;

/* What is mapped now: the memory measurement adds it to malloc()'s. */
size_t shim_mapped_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&mmap_lock);
	n = mapped_bytes;
	pthread_mutex_unlock(&mmap_lock);
	return n;
}

static void *shim_mmap_zeroed(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	int i;

	if (p == MAP_FAILED)
		return NULL;
	pthread_mutex_lock(&mmap_lock);
	for (i = 0; i < SHIM_MMAP_MAX && mmapped[i].p; i++)
		;
	if (i == SHIM_MMAP_MAX)
		abort();
	mmapped[i].p = p;
	mmapped[i].size = size;
	mapped_bytes += size;
	pthread_mutex_unlock(&mmap_lock);
	return p;
}

static bool shim_munmap(const void *p)
{
	size_t size = 0;
	int i;

	if ((uintptr_t)p & 4095)	/* mmap() returns whole pages */
		return false;
	pthread_mutex_lock(&mmap_lock);
	for (i = 0; i < SHIM_MMAP_MAX; i++) {
		if (mmapped[i].p == p) {
			size = mmapped[i].size;
			mmapped[i].p = NULL;
			mapped_bytes -= size;
			break;
		}
	}
	pthread_mutex_unlock(&mmap_lock);
	if (size)
		munmap((void *)p, size);
	return size;
}

void *shim_kmalloc(size_t size, gfp_t gfp, bool zero)
{
	struct task_struct *t = current;

	might_alloc(gfp);
	if (t->fail_nth && !(gfp & __GFP_NOFAIL) && --t->fail_nth == 0)
		return NULL;
	if (size == SIZE_MAX)
		return NULL;
	if (zero && size >= SHIM_MMAP_MIN)
		return shim_mmap_zeroed(size);
	if (zero && size >= SHIM_CLEAR_MIN) {
		void *p = malloc(size);

		if (p)
			explicit_bzero(p, size);
		return p;
	}
	return zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
}

void shim_kfree(const void *p)
{
	if (p && !shim_munmap(p))
		free((void *)p);
}

/*
 * SipHash-c-d, from the paper (Aumasson, Bernstein 2012): siphash() is
 * SipHash-2-4; hsiphash() is what the kernel's is on 64-bit machines,
 * SipHash-1-3 folded to 32 bits.
 */

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static u64 le64(const u8 *p, size_t n)
{
	u64 m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m |= (u64)p[i] << (8 * i);
	return m;
}

/*
 * Returns v0 ^ v1 and v2 ^ v3 in @half. Inlined into each caller so that
 * the round counts are constants and the rounds unrolled, as the kernel's
 * own siphash() and hsiphash() are compiled: the native benchmark pays
 * what the kernel pays for a hash.
 */
static inline __attribute__((always_inline)) void sip(const void *data, size_t len, const u64 key[2], int c, int d,
		u64 half[2])
{
	u64 v0 = 0x736f6d6570736575ULL ^ key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key[0];
	u64 v3 = 0x7465646279746573ULL ^ key[1];
	const u8 *p = data;
	size_t left = len;
	u64 m, b;
	int i;

	for (; left >= 8; p += 8, left -= 8) {
		memcpy(&m, p, 8);	/* x86-64: little endian */
		v3 ^= m;
		for (i = 0; i < c; i++)
			SIPROUND;
		v0 ^= m;
	}
	b = ((u64)len << 56) | le64(p, left);
	v3 ^= b;
	for (i = 0; i < c; i++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < d; i++)
		SIPROUND;
	half[0] = v0 ^ v1;
	half[1] = v2 ^ v3;
}

u64 siphash(const void *data, size_t len, const siphash_key_t *key)
{
	u64 h[2];

	sip(data, len, key->key, 2, 4, h);
	return h[0] ^ h[1];
}

u32 hsiphash(const void *data, size_t len, const hsiphash_key_t *key)
{
	u64 h[2];

	sip(data, len, key->key, 1, 3, h);
	return (u32)(h[0] ^ h[1]);
}

/*
 * As the kernel's (lib/siphash.c on 64 bits): hsiphash() of the 8 bytes
 * first, second, straight-line: one round for the word, one for the
 * length, three to finish.
 */
u32 hsiphash_2u32(u32 first, u32 second, const hsiphash_key_t *key)
{
	u64 v0 = 0x736f6d6570736575ULL ^ key->key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key->key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key->key[0];
	u64 v3 = 0x7465646279746573ULL ^ key->key[1];
	u64 m = (u64)second << 32 | first;
	u64 b = 8ULL << 56;

	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return (u32)((v0 ^ v1) ^ (v2 ^ v3));
}

/* ---- time, randomness --------------------------------------------------- */

static u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

u64 ktime_get_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * The time this thread has been on a CPU. The kernel times short
 * sections with local_clock() (lockstat does), and a section under a raw
 * spinlock cannot be preempted, so there its elapsed time is time on the
 * CPU. A user-space thread holding the shim's lock can be preempted by
 * the host: a wall clock would count the host scheduler's ticks (4 ms at
 * HZ=250) as time spent under the lock.
 */
u64 local_clock(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

unsigned int num_online_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0)
			abort();
		p += n;
		len -= n;
	}
}

/*
 * The kernel's get_random_u32() is cheap (per-CPU batches of ChaCha
 * output); a getrandom() call per value is not. Per thread, a SplitMix64
 * stream seeded once from getrandom(): random enough for what the core
 * takes it for (where a walk starts), at the kernel's cost.
 */
u32 get_random_u32(void)
{
	static __thread u64 state;
	u64 z;

	if (!state)
		get_random_bytes(&state, sizeof(state));
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)((z ^ (z >> 31)) >> 32);
}

/* ---- workqueues ------------------------------------------------------------ */

struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...)
{
	(void)fmt;
	(void)flags;
	(void)max_active;
	return calloc(1, sizeof(struct workqueue_struct));
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	rcu_barrier();
	free(wq);
}

/* Queued works are RCU callbacks: waiting for those waits for them. */
void flush_workqueue(struct workqueue_struct *wq)
{
	(void)wq;
	rcu_barrier();
}

#define SHIM_WORK_PENDING	1U
#define SHIM_WORK_RUNNING	2U

/*
 * One worker thread, started on first use, runs queued works in order,
 * as a kernel workqueue's worker would (and about as cheaply to queue
 * to: a thread per work cost a pthread_create(), hundreds of
 * microseconds here, in the queuing caller).
 */
static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_idle = PTHREAD_COND_INITIALIZER;
static struct work_struct *work_head, **work_tail = &work_head;
static bool worker_started;

static void *worker_thread(void *arg)
{
	struct work_struct *w;

	(void)arg;
	pthread_mutex_lock(&work_lock);
	for (;;) {
		while (!work_head)
			pthread_cond_wait(&work_more, &work_lock);
		w = work_head;
		work_head = w->shim_next;
		if (!work_head)
			work_tail = &work_head;
		w->shim_state = SHIM_WORK_RUNNING;
		pthread_mutex_unlock(&work_lock);
		w->func(w);
		pthread_mutex_lock(&work_lock);
		w->shim_state &= ~SHIM_WORK_RUNNING;
		pthread_cond_broadcast(&work_idle);
	}
	return NULL;
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	bool queued = false;
	pthread_t t;

	(void)wq;
	pthread_mutex_lock(&work_lock);
	if (!worker_started) {
		if (pthread_create(&t, NULL, worker_thread, NULL))
			abort();
		pthread_detach(t);
		worker_started = true;
	}
	if (!(work->shim_state & SHIM_WORK_PENDING)) {
		queued = true;
		work->shim_state |= SHIM_WORK_PENDING;
		work->shim_next = NULL;
		*work_tail = work;
		work_tail = &work->shim_next;
		pthread_cond_signal(&work_more);
	}
	pthread_mutex_unlock(&work_lock);
	return queued;
}

/* Waits until @work is neither pending nor running. */
bool flush_work(struct work_struct *work)
{
	bool waited = false;

	might_sleep();
	pthread_mutex_lock(&work_lock);
	while (work->shim_state) {
		waited = true;
		pthread_cond_wait(&work_idle, &work_lock);
	}
	pthread_mutex_unlock(&work_lock);
	return waited;
}

/* Takes @work off the queue if pending, and waits for a run under way. */
bool cancel_work_sync(struct work_struct *work)
{
	struct work_struct **pp;
	bool pending;

	might_sleep();
	pthread_mutex_lock(&work_lock);
	pending = work->shim_state & SHIM_WORK_PENDING;
	if (pending) {
		for (pp = &work_head; *pp != work; pp = &(*pp)->shim_next)
			;
		*pp = work->shim_next;
		if (work_tail == &work->shim_next)
			work_tail = pp;
		work->shim_state &= ~SHIM_WORK_PENDING;
	}
	while (work->shim_state & SHIM_WORK_RUNNING)
		pthread_cond_wait(&work_idle, &work_lock);
	pthread_mutex_unlock(&work_lock);
	return pending;
}

static void rcu_work_cb(struct rcu_head *head)
{
	struct rcu_work *rw = container_of(head, struct rcu_work, rcu);

	rw->work.func(&rw->work);
}

bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork)
{
	(void)wq;
	call_rcu(&rwork->rcu, rcu_work_cb);
	return true;
}

/* ---- kthreads ----------------------------------------------------------------- */

#ifdef SHIM_COUNT_WRITES
__thread unsigned long shim_shared_writes;
#endif

static __thread struct task_struct *shim_current;

struct task_struct *shim_get_current(void)
{
	static __thread struct task_struct self;

	if (!shim_current)
		shim_current = &self;
	return shim_current;
}

static void *kthread_main(void *arg)
{
	struct task_struct *t = arg;
	bool run;

	shim_current = t;
	pthread_mutex_lock(&t->lock);
	while (!t->woken)
		pthread_cond_wait(&t->cond, &t->lock);
	run = !t->should_stop;
	pthread_mutex_unlock(&t->lock);
	t->ret = run ? t->fn(t->data) : -EINTR;
	return NULL;
}

struct task_struct *kthread_create(int (*fn)(void *data), void *data,
				   const char *namefmt, ...)
{
	struct task_struct *t = calloc(1, sizeof(*t));

	(void)namefmt;
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->fn = fn;
	t->data = data;
	t->refs = 1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	if (pthread_create(&t->thread, NULL, kthread_main, t)) {
		free(t);
		return ERR_PTR(-EAGAIN);
	}
	return t;
}

void wake_up_process(struct task_struct *t)
{
	pthread_mutex_lock(&t->lock);
	t->woken = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

bool kthread_should_stop(void)
{
	return __atomic_load_n(&current->should_stop, __ATOMIC_ACQUIRE);
}

int kthread_stop(struct task_struct *t)
{
	int ret;

	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->should_stop, true, __ATOMIC_RELEASE);
	t->woken = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	ret = t->ret;
	put_task_struct(t);	/* the thread's own reference */
	return ret;
}

void get_task_struct(struct task_struct *t)
{
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
}

void put_task_struct(struct task_struct *t)
{
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		free(t);
	}
}

void schedule_timeout_interruptible(long jiffies)
{
	usleep(jiffies * (1000000 / HZ));
}

/* ---- completions ----------------------------------------------------------- */

void init_completion(struct completion *c)
{
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->done = 0;
}

void complete(struct completion *c)
{
	pthread_mutex_lock(&c->lock);
	c->done++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void wait_for_completion(struct completion *c)
{
	might_sleep();
	pthread_mutex_lock(&c->lock);
	while (!c->done)
		pthread_cond_wait(&c->cond, &c->lock);
	c->done--;
	pthread_mutex_unlock(&c->lock);
}

/* ---- timers --------------------------------------------------------------- */

static void *hrtimer_main(void *arg)
{
	struct hrtimer *timer = arg;
	struct timespec ts = {
		.tv_sec = timer->delay / 1000000000,
		.tv_nsec = timer->delay % 1000000000,
	};

	nanosleep(&ts, NULL);
	shim_atomic_enter();	/* a timer callback runs in interrupt context */
	timer->function(timer);
	shim_atomic_exit();
	return NULL;
}

void hrtimer_init(struct hrtimer *timer, int clock, enum hrtimer_mode mode)
{
	(void)clock;
	(void)mode;
	memset(timer, 0, sizeof(*timer));
}

void hrtimer_start(struct hrtimer *timer, ktime_t delay, enum hrtimer_mode mode)
{
	(void)mode;
	timer->delay = delay;
	timer->started = !pthread_create(&timer->thread, NULL, hrtimer_main,
					 timer);
	if (!timer->started)
		abort();
}

int hrtimer_cancel(struct hrtimer *timer)
{
	if (timer->started)
		pthread_join(timer->thread, NULL);
	timer->started = false;
	return 0;
}

void shim_relax(void)
{
	usleep(100);
}
