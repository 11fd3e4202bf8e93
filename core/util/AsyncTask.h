// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent>

#include <type_traits>
#include <utility>

namespace certrotor {

/// Runs `task` on `pool` (the global pool by default) and hands its result to `callback` on
/// `context`'s thread (KeePassXC's AsyncTask::runThenCallback). If `context` dies first the callback
/// is dropped. Never blocks and never nests an event loop.
template<typename Task, typename Callback>
void runThenCallback(QObject* context, Task task, Callback callback, QThreadPool* pool = nullptr)
{
    using R = std::invoke_result_t<Task>;
    auto* watcher = new QFutureWatcher<R>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, callback = std::move(callback)]() {
        callback(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(pool ? QtConcurrent::run(pool, std::move(task)) : QtConcurrent::run(std::move(task)));
}

} // namespace certrotor
