//! What the scheduler publishes for readers on other threads (the server: webhooks, the
//! dashboard): the jobs loaded now, replaced as a whole on start and on every reload, and
//! whether the scheduler is stopping. Readers take a cheap `Arc` copy and never block it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::store::Job;

/// The jobs loaded now, in plan order.
pub(crate) type JobList = Arc<Vec<Arc<Job>>>;

/// A function told about every new job list (on the scheduler thread: keep it short).
type Watcher = Box<dyn Fn(&JobList) + Send + Sync>;

/// Shared between the scheduler (the only writer) and any number of readers.
#[derive(Default)]
pub(crate) struct Published {
    jobs: RwLock<JobList>,
    stopping: AtomicBool,
    watchers: Mutex<Vec<Watcher>>,
}

impl Published {
    /// The jobs loaded now.
    pub(crate) fn jobs(&self) -> JobList {
        Arc::clone(&self.jobs.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the job list and tells every watcher.
    pub(crate) fn publish_jobs(&self, jobs: JobList) {
        *self.jobs.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&jobs);
        for watcher in self
            .watchers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            watcher(&jobs);
        }
    }

    /// Calls `watcher` with every job list published from now on.
    pub(crate) fn watch_jobs(&self, watcher: impl Fn(&JobList) + Send + Sync + 'static) {
        self.watchers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(watcher));
    }

    /// The scheduler stopped scheduling (SIGINT/SIGTERM): no new runs are taken.
    pub(crate) fn set_stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn watchers_see_every_published_list_and_readers_the_latest() {
        let published = Published::default();
        assert!(published.jobs().is_empty());
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        published.watch_jobs(move |jobs| {
            counter.fetch_add(jobs.len() + 1, Ordering::SeqCst);
        });
        published.publish_jobs(Arc::new(Vec::new()));
        published.publish_jobs(Arc::new(Vec::new()));
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        assert!(!published.stopping());
        published.set_stopping();
        assert!(published.stopping());
    }
}
