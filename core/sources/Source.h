// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/BundleCache.h"
#include "x509/Bundle.h"

#include <QDateTime>
#include <QObject>
#include <QString>

#include <memory>

class QThreadPool;

namespace certrotor {

/// One delivery from a source: the bundle, its revision and when the change was seen.
struct SourceUpdate
{
    std::shared_ptr<const Bundle> bundle; // parsed once per revision, immutable, shareable across threads
    QString revision; // content SHA-256 (hex) for files and inline PEM, resourceVersion for Secrets
    QDateTime seenAt; // when the change was noticed (UTC)
    qint64 detectionLatencyMs = -1; // event -> delivery, where known (-1 otherwise)
};

/// A place CA bundles come from over time: a file or directory, a Kubernetes Secret, pasted PEM.
/// Event-driven, never polling. Lives on the thread that created it (normally the GUI thread);
/// parsing happens off that thread. Emits `updated` only when the content really changed.
class Source : public QObject
{
    Q_OBJECT
public:
    enum class Status { Idle, Watching, Reconnecting, Error };
    Q_ENUM(Status)

    using QObject::QObject;
    ~Source() override = default;

    /// Stable identifier: the path, or "secret://CONTEXT/NAMESPACE/NAME#KEY", or "inline:NAME".
    virtual QString id() const = 0;
    /// Short name for the UI.
    virtual QString displayName() const = 0;

    /// Starts watching; the current content is delivered as the first update.
    virtual void start() = 0;
    virtual void stop() = 0;

    Status status() const { return m_status; }
    /// The last error's text, in plain words; empty when healthy. Never contains a secret.
    QString lastError() const { return m_lastError; }
    /// The last update delivered (null bundle before the first).
    SourceUpdate current() const { return m_current; }

    static QString statusName(Status status);
    /// A bundle's located errors in one line, as Status::Error shows them: the first
    /// ("ca.pem: block 2, line 7: …") and how many more; "" when it has none.
    static QString bundleErrorSummary(const Bundle& bundle);

    /// Where this source's parses are cached (keyed by content SHA-256). Each source starts with a
    /// small private cache; TrustStoreProvider hands all its sources one shared cache, so the same
    /// bytes are parsed once however many sources see them. Set it before start().
    void setBundleCache(std::shared_ptr<BundleCache> cache);
    std::shared_ptr<BundleCache> bundleCache() const { return m_cache; }

    /// The thread pool sources read and parse on (not the global pool: the parser itself may
    /// spread a big bundle over the global pool, which must not wait on its own threads).
    static QThreadPool* readPool();

Q_SIGNALS:
    void updated(const certrotor::SourceUpdate& update);
    void statusChanged(certrotor::Source::Status status, const QString& error);

protected:
    void setStatus(Status status, const QString& error = {});
    void deliver(SourceUpdate update);

private:
    Status m_status = Status::Idle;
    QString m_lastError;
    SourceUpdate m_current;
    std::shared_ptr<BundleCache> m_cache = std::make_shared<BundleCache>(4);
};

} // namespace certrotor

Q_DECLARE_METATYPE(certrotor::SourceUpdate)
