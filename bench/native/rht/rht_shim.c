// SPDX-License-Identifier: GPL-2.0
/*
 * schedule_work() for lib/rhashtable.c in user space: one worker thread
 * runs the queued works (rhashtable's deferred resize) in order, as the
 * kernel's system workqueue would, registered with liburcu like any
 * thread of the shim.
 */
#include "rht_shim.h"

#define MAX_PENDING 64

static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t wq_idle = PTHREAD_COND_INITIALIZER;
static struct work_struct *pending[MAX_PENDING];
static int npending;
static struct work_struct *running;
static bool started;

static void *worker(void *arg)
{
	struct work_struct *w;
	int i;

	pthread_mutex_lock(&wq_lock);
	for (;;) {
		while (!npending)
			pthread_cond_wait(&wq_cond, &wq_lock);
		w = pending[0];
		for (i = 1; i < npending; i++)
			pending[i - 1] = pending[i];
		npending--;
		running = w;
		pthread_mutex_unlock(&wq_lock);
		w->func(w);
		pthread_mutex_lock(&wq_lock);
		running = NULL;
		pthread_cond_broadcast(&wq_idle);
	}
	return NULL;
}

static int find_pending(struct work_struct *work)
{
	int i;

	for (i = 0; i < npending; i++)
		if (pending[i] == work)
			return i;
	return -1;
}

bool schedule_work(struct work_struct *work)
{
	pthread_t t;
	bool queued = false;

	pthread_mutex_lock(&wq_lock);
	if (!started) {
		if (pthread_create(&t, NULL, worker, NULL))
			abort();
		pthread_detach(t);
		started = true;
	}
	if (find_pending(work) < 0) {
		if (npending == MAX_PENDING)
			abort();
		pending[npending++] = work;
		pthread_cond_signal(&wq_cond);
		queued = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return queued;
}

bool cancel_work_sync(struct work_struct *work)
{
	int i, was;

	pthread_mutex_lock(&wq_lock);
	was = find_pending(work);
	if (was >= 0) {
		for (i = was + 1; i < npending; i++)
			pending[i - 1] = pending[i];
		npending--;
	}
	while (running == work)
		pthread_cond_wait(&wq_idle, &wq_lock);
	pthread_mutex_unlock(&wq_lock);
	return was >= 0;
}
