// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/KubeSecretSource.h"

#include "kube/KubeLog.h"

#include <QCryptographicHash>
#include <QFutureWatcher>
#include <QRandomGenerator>
#include <QtConcurrent>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

namespace {
QString statusCode(const QJsonObject& status)
{
    return QString::number(status.value(u"code"_s).toInt());
}
} // namespace

KubeSecretSource::KubeSecretSource(KubeClient* client, KubeObjectRef ref, Options options, QObject* parent)
    : Source(parent), m_client(client), m_ref(std::move(ref)), m_options(options)
{
    if (m_client)
        m_context = m_client->config().contextName;
    m_backoffMs = m_options.initialBackoffMs;
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (!m_running)
            return;
        if (m_retryRelists || m_resourceVersion.isEmpty())
            relist();
        else
            openWatch();
    });
}

KubeSecretSource::~KubeSecretSource()
{
    m_running = false;
    if (m_watch)
        m_watch->abort();
}

std::unique_ptr<KubeSecretSource> KubeSecretSource::fromUri(const QString& uri, QString* error)
{
    auto fail = [error](const QString& text) {
        if (error)
            *error = text;
        return std::unique_ptr<KubeSecretSource>();
    };
    Result<KubeObjectRef> ref = KubeObjectRef::parse(uri);
    if (!ref.ok())
        return fail(ref.error().text());
    Result<KubeClient*> client = KubeClient::fromKubeconfig(ref.value().context);
    if (!client.ok())
        return fail(client.error().text());
    auto source = std::make_unique<KubeSecretSource>(client.value(), ref.value(), Options {});
    client.value()->setParent(source.get());
    return source;
}

QString KubeSecretSource::id() const
{
    KubeObjectRef ref = m_ref;
    ref.context = m_context;
    return ref.toUri();
}

QString KubeSecretSource::displayName() const
{
    return u"%1/%2#%3"_s.arg(m_ref.nameSpace, m_ref.name, m_ref.effectiveKey());
}

QStringList KubeSecretSource::warnings() const
{
    return m_client ? m_client->warnings() : QStringList();
}

QString KubeSecretSource::objectLabel() const
{
    return u"%1 %2/%3"_s.arg(KubeObjectRef::kindName(m_ref.kind), m_ref.nameSpace, m_ref.name);
}

void KubeSecretSource::start()
{
    if (m_running)
        return;
    if (!m_client) {
        setStatus(Status::Error, u"no Kubernetes client"_s);
        return;
    }
    m_running = true;
    m_backoffMs = m_options.initialBackoffMs;
    relist();
}

void KubeSecretSource::stop()
{
    m_running = false;
    ++m_generation;
    m_retryTimer.stop();
    if (m_watch) {
        m_watch->abort();
        m_watch->deleteLater();
        m_watch = nullptr;
    }
    setStatus(Status::Idle);
}

void KubeSecretSource::relist()
{
    if (!m_running || !m_client)
        return;
    ++m_relists;
    const quint64 gen = ++m_generation;
    if (m_watch) {
        m_watch->abort();
        m_watch->deleteLater();
        m_watch = nullptr;
    }
    m_retryRelists = false;
    ListOptions opts;
    opts.fieldSelector = u"metadata.name="_s + m_ref.name;
    const qint64 startedNs = monotonicNs();
    const auto listed = [this, gen, startedNs](KubeResult<KubeObjectList> r) {
        if (gen != m_generation || !m_running)
            return;
        if (!r.ok()) {
            const bool hard = r.error.kind == KubeError::Kind::Unauthorized || r.error.kind == KubeError::Kind::Forbidden
                || r.error.kind == KubeError::Kind::Config || r.error.kind == KubeError::Kind::Credentials
                || r.error.kind == KubeError::Kind::Tls;
            retryLater(objectLabel() + u": "_s + r.error.message, true, hard);
            return;
        }
        m_resourceVersion = r.value.resourceVersion;
        m_connectionError.clear();
        const auto found = std::find_if(r.value.items.cbegin(), r.value.items.cend(),
                                        [this](const KubeObject& o) { return o.name == m_ref.name; });
        if (found != r.value.items.cend())
            handleObject(*found, startedNs);
        else
            setProblem(Error { objectLabel() + u" does not exist (yet); watching for it"_s, {}, kubeproblem::absent });
        openWatch();
    };
    m_client->listObjects(m_ref.kind, m_ref.nameSpace, opts, this, listed);
}

void KubeSecretSource::openWatch()
{
    if (!m_running || !m_client)
        return;
    if (m_watch) {
        m_watch->abort();
        m_watch->deleteLater();
    }
    ++m_watches;
    WatchOptions opts;
    opts.fieldSelector = u"metadata.name="_s + m_ref.name;
    opts.resourceVersion = m_resourceVersion;
    opts.timeoutSeconds = m_options.watchTimeoutSeconds;
    opts.inactivityTimeoutMs = m_options.inactivityTimeoutMs;
    opts.allowBookmarks = true;
    m_watchGotEvent = false;
    m_watch = m_client->watchObjects(m_ref.kind, m_ref.nameSpace, opts, this);
    KubeWatch* w = m_watch;
    connect(w, &KubeWatch::opened, this, [this, w] {
        if (w != m_watch)
            return;
        m_watchOpenedAt.start();
        m_connectionError.clear();
        refreshStatus();
        Q_EMIT watchOpened();
    });
    connect(w, &KubeWatch::event, this, [this, w](const WatchEvent& ev) {
        if (w == m_watch)
            onWatchEvent(ev);
    });
    connect(w, &KubeWatch::finished, this, [this, w](const KubeError& e) {
        if (w != m_watch)
            return;
        m_watch = nullptr;
        w->deleteLater();
        onWatchFinished(e);
    });
}

void KubeSecretSource::onWatchEvent(const WatchEvent& ev)
{
    m_watchGotEvent = true;
    const QString rv = ev.object.value(u"metadata"_s).toObject().value(u"resourceVersion"_s).toString();
    switch (ev.type) {
    case WatchEvent::Type::Added:
    case WatchEvent::Type::Modified: {
        if (!rv.isEmpty())
            m_resourceVersion = rv;
        const KubeObject o = KubeObject::fromJson(m_ref.kind, ev.object);
        if (o.name == m_ref.name)
            handleObject(o, ev.receivedNs);
        break;
    }
    case WatchEvent::Type::Deleted:
        if (!rv.isEmpty())
            m_resourceVersion = rv;
        setProblem(Error { objectLabel() + u" was deleted; watching for it to come back"_s, {}, kubeproblem::absent });
        break;
    case WatchEvent::Type::Bookmark:
        if (!rv.isEmpty())
            m_resourceVersion = rv;
        break;
    case WatchEvent::Type::Error: {
        const int code = ev.object.value(u"code"_s).toInt();
        KubeWatch* w = m_watch;
        m_watch = nullptr;
        if (w) {
            w->abort();
            w->deleteLater();
        }
        if (code == 410) {
            qCDebug(lcKube).noquote() << objectLabel() << "watch: resourceVersion" << m_resourceVersion
                                      << "is gone, relisting";
            m_resourceVersion.clear();
            relist();
        } else {
            retryLater(objectLabel()
                           + u": the watch reported an error (code %1): %2"_s.arg(
                               statusCode(ev.object), ev.object.value(u"message"_s).toString().left(300)),
                       false, false);
        }
        break;
    }
    }
}

void KubeSecretSource::onWatchFinished(const KubeError& e)
{
    if (!m_running)
        return;
    const bool healthy = m_watchGotEvent || (m_watchOpenedAt.isValid() && m_watchOpenedAt.elapsed() >= 2000);
    m_watchOpenedAt.invalidate();
    if (healthy)
        m_backoffMs = m_options.initialBackoffMs;
    if (e.kind == KubeError::Kind::Gone) {
        m_resourceVersion.clear();
        relist();
        return;
    }
    if (e.ok()) {
        // The server ended the stream (timeoutSeconds), as it does every few minutes: reconnect from where
        // we are without announcing a status change.
        m_retryRelists = false;
        m_retryTimer.start(m_backoffMs);
        m_backoffMs = qMin(m_backoffMs * 2, m_options.maxBackoffMs);
        return;
    }
    const bool hard = e.kind == KubeError::Kind::Unauthorized || e.kind == KubeError::Kind::Forbidden
        || e.kind == KubeError::Kind::Config || e.kind == KubeError::Kind::Credentials || e.kind == KubeError::Kind::Tls;
    // After a failed connection we do not know what we missed only if the RV is gone; the watch
    // resumes from the last resourceVersion seen, so nothing is lost.
    retryLater(objectLabel() + u": "_s + e.message, false, hard);
}

void KubeSecretSource::retryLater(const QString& reason, bool relistNext, bool isError)
{
    if (!m_running)
        return;
    m_retryRelists = m_retryRelists || relistNext;
    m_connectionError = reason;
    qCDebug(lcKube).noquote() << reason << "- retrying in" << m_backoffMs << "ms";
    setStatus(isError ? Status::Error : Status::Reconnecting, reason);
    // Jitter of up to +20% spreads reconnects of many clients after a server restart.
    const int delay = m_backoffMs + int(QRandomGenerator::global()->bounded(m_backoffMs / 5 + 1));
    m_backoffMs = qMin(m_backoffMs * 2, m_options.maxBackoffMs);
    m_retryTimer.start(delay);
}

void KubeSecretSource::setProblem(const Error& problem)
{
    m_problem = problem;
    refreshStatus();
}

void KubeSecretSource::refreshStatus()
{
    if (!m_running)
        return;
    if (!m_connectionError.isEmpty())
        return; // the connection problem is shown until the connection is back
    if (!m_problem.message.isEmpty())
        setStatus(Status::Error, m_problem.text());
    else if (m_watch && m_watch->isOpen())
        setStatus(Status::Watching);
}

namespace {

/// What is wrong with a parsed bundle; no message when it is usable. Bad blocks are located by the
/// bundle's own name ("NS/NAME#KEY: block 2, line 7: …").
Error bundleProblem(const Bundle& bundle, const QString& label)
{
    const QString errors = Source::bundleErrorSummary(bundle);
    if (bundle.entries.isEmpty())
        return Error { u"the key holds no certificate"_s + (errors.isEmpty() ? QString() : u" ("_s + errors + u')'),
                       label, kubeproblem::badBundle };
    if (!errors.isEmpty())
        return Error { errors, {}, kubeproblem::badBundle };
    return {};
}

} // namespace

void KubeSecretSource::handleObject(const KubeObject& object, qint64 receivedNs)
{
    const QString key = m_ref.effectiveKey();
    const auto it = object.data.constFind(key);
    if (it == object.data.constEnd()) {
        const QStringList have = object.data.keys();
        setProblem(Error { u"%1 has no key '%2' (its keys: %3)"_s.arg(objectLabel(), key,
                                                                      have.isEmpty() ? u"none"_s : have.join(u", "_s)),
                           {},
                           kubeproblem::missingKey });
        ++m_parseSeq; // a parse still running is superseded by this state
        m_pendingContentHash.clear();
        return;
    }
    const QByteArray content = it.value();
    const QByteArray hash = QCryptographicHash::hash(content, QCryptographicHash::Sha256);
    const QString rv = object.resourceVersion;
    if (hash == m_lastContentHash) {
        // The delivered bundle is back (after a missing key or a deletion): its own state is the status again.
        ++m_parseSeq;
        m_pendingContentHash.clear();
        if (current().bundle)
            setProblem(bundleProblem(*current().bundle, objectLabel()));
        return;
    }
    if (hash == m_pendingContentHash)
        return; // already being parsed
    m_pendingContentHash = hash;
    const quint64 seq = ++m_parseSeq;
    const QDateTime seenAt = QDateTime::currentDateTimeUtc();
    auto* watcher = new QFutureWatcher<std::shared_ptr<const Bundle>>(this);
    connect(watcher, &QFutureWatcher<std::shared_ptr<const Bundle>>::finished, this,
            [this, watcher, seq, hash, rv, seenAt, receivedNs] {
                watcher->deleteLater();
                if (seq != m_parseSeq || !m_running)
                    return; // superseded by a later revision
                m_pendingContentHash.clear();
                m_lastContentHash = hash;
                SourceUpdate u;
                u.bundle = watcher->result();
                u.revision = rv;
                u.seenAt = seenAt;
                m_lastLatencyNs = monotonicNs() - receivedNs;
                u.detectionLatencyMs = m_lastLatencyNs / 1000000;
                setProblem(bundleProblem(*u.bundle, objectLabel()));
                deliver(u);
            });
    watcher->setFuture(
        QtConcurrent::run(Source::readPool(), [content, hash, name = displayName(), cache = bundleCache()] {
            return cache->parse(content, name, hash);
        }));
}

} // namespace certrotor::kube
