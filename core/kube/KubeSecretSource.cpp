// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/KubeSecretSource.h"

#include "kube/KubeLog.h"

#include <QCryptographicHash>
#include <QFutureWatcher>
#include <QRandomGenerator>
#include <QUrl>
#include <QtConcurrent>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

namespace {
QString statusCode(const QJsonObject& status)
{
    return QString::number(status.value(u"code"_s).toInt());
}
} // namespace

KubeSecretSource::KubeSecretSource(KubeClient* client, QString nameSpace, QString name, Options options,
                                   QObject* parent)
    : Source(parent), m_client(client), m_namespace(std::move(nameSpace)), m_name(std::move(name)),
      m_options(std::move(options))
{
    if (m_options.keys.isEmpty())
        m_options.keys = {u"ca.crt"_s};
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

Result<KubeSecretSource::UriParts> KubeSecretSource::parseUri(const QString& uri)
{
    const QString scheme = u"secret://"_s;
    if (!uri.startsWith(scheme))
        return Error{u"not a secret:// URI"_s, uri};
    QString rest = uri.mid(scheme.size());
    UriParts p;
    const qsizetype hash = rest.indexOf(u'#');
    if (hash >= 0) {
        p.key = QUrl::fromPercentEncoding(rest.mid(hash + 1).toUtf8());
        rest.truncate(hash);
        if (p.key.isEmpty())
            return Error{u"the key after '#' is empty"_s, uri};
    }
    QStringList parts = rest.split(u'/');
    if (parts.size() < 2 || parts.last().isEmpty() || parts.at(parts.size() - 2).isEmpty())
        return Error{u"expected secret://[CONTEXT/]NAMESPACE/NAME[#KEY]"_s, uri};
    p.name = QUrl::fromPercentEncoding(parts.takeLast().toUtf8());
    p.nameSpace = QUrl::fromPercentEncoding(parts.takeLast().toUtf8());
    // Context names may themselves contain '/' (EKS: arn:aws:eks:region:acct:cluster/name).
    p.context = QUrl::fromPercentEncoding(parts.join(u'/').toUtf8());
    return p;
}

std::unique_ptr<KubeSecretSource> KubeSecretSource::fromUri(const QString& uri, QString* error)
{
    auto fail = [error](const QString& text) {
        if (error)
            *error = text;
        return std::unique_ptr<KubeSecretSource>();
    };
    auto parts = parseUri(uri);
    if (!parts.ok())
        return fail(parts.error().text());
    auto cfg = Kubeconfig::loadDefault();
    if (!cfg.ok())
        return fail(cfg.error().text());
    auto rc = cfg.value().restConfig(parts.value().context);
    if (!rc.ok())
        return fail(rc.error().text());
    auto* client = new KubeClient(rc.value());
    if (!client->configError().ok()) {
        const QString msg = client->configError().message;
        delete client;
        return fail(uri + u": "_s + msg);
    }
    Options opts;
    if (!parts.value().key.isEmpty())
        opts.keys = {parts.value().key};
    auto source = std::make_unique<KubeSecretSource>(client, parts.value().nameSpace, parts.value().name, opts);
    client->setParent(source.get());
    return source;
}

QString KubeSecretSource::id() const
{
    return u"secret://%1/%2/%3#%4"_s.arg(m_context, m_namespace, m_name, m_options.keys.join(u','));
}

QString KubeSecretSource::displayName() const
{
    return u"%1/%2#%3"_s.arg(m_namespace, m_name, m_options.keys.join(u','));
}

QStringList KubeSecretSource::warnings() const
{
    return m_client ? m_client->warnings() : QStringList();
}

QString KubeSecretSource::secretLabel() const
{
    return u"Secret %1/%2"_s.arg(m_namespace, m_name);
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
    opts.fieldSelector = u"metadata.name="_s + m_name;
    const qint64 startedNs = monotonicNs();
    m_client->listSecrets(m_namespace, opts, this, [this, gen, startedNs](KubeResult<SecretList> r) {
        if (gen != m_generation || !m_running)
            return;
        if (!r.ok()) {
            const bool hard = r.error.kind == KubeError::Kind::Unauthorized || r.error.kind == KubeError::Kind::Forbidden
                || r.error.kind == KubeError::Kind::Config || r.error.kind == KubeError::Kind::Credentials
                || r.error.kind == KubeError::Kind::Tls;
            retryLater(secretLabel() + u": "_s + r.error.message, true, hard);
            return;
        }
        m_resourceVersion = r.value.resourceVersion;
        m_connectionError.clear();
        Secret found;
        bool exists = false;
        for (const Secret& s : std::as_const(r.value.items)) {
            if (s.name == m_name) {
                found = s;
                exists = true;
            }
        }
        if (exists)
            handleSecret(found, startedNs);
        else
            setProblem(secretLabel() + u" does not exist (yet); watching for it"_s);
        openWatch();
    });
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
    opts.fieldSelector = u"metadata.name="_s + m_name;
    opts.resourceVersion = m_resourceVersion;
    opts.timeoutSeconds = m_options.watchTimeoutSeconds;
    opts.inactivityTimeoutMs = m_options.inactivityTimeoutMs;
    opts.allowBookmarks = true;
    m_watchGotEvent = false;
    m_watch = m_client->watchSecrets(m_namespace, opts, this);
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
        const Secret s = Secret::fromJson(ev.object);
        if (s.name == m_name)
            handleSecret(s, ev.receivedNs);
        break;
    }
    case WatchEvent::Type::Deleted:
        if (!rv.isEmpty())
            m_resourceVersion = rv;
        setProblem(secretLabel() + u" was deleted; watching for it to come back"_s);
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
            qCDebug(lcKube).noquote() << secretLabel() << "watch: resourceVersion" << m_resourceVersion
                                      << "is gone, relisting";
            m_resourceVersion.clear();
            relist();
        } else {
            retryLater(secretLabel() + u": the watch reported an error (code %1): %2"_s.arg(
                                           statusCode(ev.object),
                                           ev.object.value(u"message"_s).toString().left(300)),
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
    retryLater(secretLabel() + u": "_s + e.message, false, hard);
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

void KubeSecretSource::setProblem(const QString& problem)
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
    if (!m_problem.isEmpty())
        setStatus(Status::Error, m_problem);
    else if (m_watch && m_watch->isOpen())
        setStatus(Status::Watching);
}

void KubeSecretSource::handleSecret(const Secret& secret, qint64 receivedNs)
{
    QByteArray content;
    QStringList missing;
    for (const QString& key : std::as_const(m_options.keys)) {
        auto it = secret.data.constFind(key);
        if (it == secret.data.constEnd()) {
            missing << key;
            continue;
        }
        content += it.value();
        if (!content.endsWith('\n'))
            content += '\n';
    }
    if (!missing.isEmpty()) {
        QStringList have = secret.data.keys();
        setProblem(u"%1 has no key %2 (its keys: %3)"_s.arg(
            secretLabel(), u"'"_s + missing.join(u"', '"_s) + u"'"_s,
            have.isEmpty() ? u"none"_s : have.join(u", "_s)));
        ++m_parseSeq; // a parse still running is superseded by this state
        m_pendingContentHash.clear();
        return;
    }
    const QByteArray hash = QCryptographicHash::hash(content, QCryptographicHash::Sha256);
    const QString rv = secret.resourceVersion;
    if (hash == m_lastContentHash) {
        ++m_parseSeq;
        m_pendingContentHash.clear();
        if (m_problem.startsWith(secretLabel() + u" has no key"_s) || m_problem.contains(u" does not exist"_s)
            || m_problem.contains(u" was deleted"_s))
            setProblem({});
        return;
    }
    if (hash == m_pendingContentHash)
        return; // already being parsed
    m_pendingContentHash = hash;
    const quint64 seq = ++m_parseSeq;
    const QString bundleName = displayName();
    const QDateTime seenAt = QDateTime::currentDateTimeUtc();
    auto* watcher = new QFutureWatcher<std::shared_ptr<const Bundle>>(this);
    connect(watcher, &QFutureWatcher<std::shared_ptr<const Bundle>>::finished, this,
            [this, watcher, seq, hash, rv, seenAt, receivedNs] {
                watcher->deleteLater();
                if (seq != m_parseSeq || !m_running)
                    return; // superseded by a later revision
                m_pendingContentHash.clear();
                m_lastContentHash = hash;
                std::shared_ptr<const Bundle> bundle = watcher->result();
                if (bundle->entries.isEmpty())
                    setProblem(u"%1: the key holds no certificate%2"_s.arg(
                        secretLabel(), bundle->issues.isEmpty() ? QString() : u" ("_s + bundle->issues.first().text() + u')'));
                else
                    setProblem({});
                SourceUpdate u;
                u.bundle = std::move(bundle);
                u.revision = rv;
                u.seenAt = seenAt;
                m_lastLatencyNs = monotonicNs() - receivedNs;
                u.detectionLatencyMs = m_lastLatencyNs / 1000000;
                deliver(u);
            });
    watcher->setFuture(QtConcurrent::run([content, bundleName]() -> std::shared_ptr<const Bundle> {
        ParseOptions po;
        po.parallel = false;
        return std::make_shared<const Bundle>(parseBundle(content, bundleName, po));
    }));
}

} // namespace certrotor::kube
