// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"
#include "sources/Source.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace certrotor::kube {

/// One Kubernetes Secret as a Source: the CA material in some of its keys (default `ca.crt`),
/// followed with list + watch. Lists `metadata.name=NAME` (a GET that also gives a resourceVersion
/// when the Secret does not exist yet), then watches from that resourceVersion with bookmarks;
/// reconnects with capped exponential backoff and jitter whenever the stream ends or fails, and
/// relists on 410 Gone. The revision of an update is the Secret's resourceVersion. Parsing runs on
/// the thread pool.
class KubeSecretSource : public Source
{
    Q_OBJECT
public:
    struct Options
    {
        /// Keys holding the bundle, concatenated in this order; all must be present.
        QStringList keys{QStringLiteral("ca.crt")};
        int initialBackoffMs = 100;
        int maxBackoffMs = 30000;
        int watchTimeoutSeconds = 300;
        int inactivityTimeoutMs = 0; // 0 = watchTimeoutSeconds + 30 s
    };

    /// `client` is used, not owned (give it this source as parent to tie their lives).
    KubeSecretSource(KubeClient* client, QString nameSpace, QString name, Options options, QObject* parent = nullptr);
    ~KubeSecretSource() override;

    /// `secret://[CONTEXT/]NAMESPACE/NAME[#KEY]` through the default kubeconfig ($KUBECONFIG or
    /// ~/.kube/config); CONTEXT defaults to the current context. On failure returns null and sets *error.
    static std::unique_ptr<KubeSecretSource> fromUri(const QString& uri, QString* error);

    struct UriParts
    {
        QString context; // empty = current context
        QString nameSpace;
        QString name;
        QString key; // empty = default keys
    };
    static Result<UriParts> parseUri(const QString& uri);

    QString id() const override;
    QString displayName() const override;
    void start() override;
    void stop() override;

    KubeClient* client() const { return m_client; }
    QString nameSpace() const { return m_namespace; }
    QString name() const { return m_name; }
    QStringList keys() const { return m_options.keys; }
    /// Warnings from the kubeconfig the UI/CLI must show (insecure-skip-tls-verify).
    QStringList warnings() const;

    // Introspection for tests, benchmarks and the UI's detail view.
    QString resourceVersion() const { return m_resourceVersion; }
    int relistCount() const { return m_relists; }
    int watchCount() const { return m_watches; }
    /// Arrival of the watch event → delivery of the parsed bundle, for the last delivery (ns).
    qint64 lastEventToDeliveryNs() const { return m_lastLatencyNs; }

Q_SIGNALS:
    /// A watch stream is open (tests wait on it).
    void watchOpened();

private:
    void relist();
    void openWatch();
    void onWatchEvent(const WatchEvent& event);
    void onWatchFinished(const KubeError& error);
    void retryLater(const QString& reason, bool relistNext, bool isError);
    void handleSecret(const Secret& secret, qint64 receivedNs);
    void setProblem(const QString& problem);
    void refreshStatus();
    QString secretLabel() const;

    QPointer<KubeClient> m_client;
    QString m_namespace;
    QString m_name;
    Options m_options;
    QString m_context;

    bool m_running = false;
    quint64 m_generation = 0; // bumps on stop/relist: late callbacks of an older generation are ignored
    QString m_resourceVersion;
    QPointer<KubeWatch> m_watch;
    QElapsedTimer m_watchOpenedAt;
    bool m_watchGotEvent = false;
    QTimer m_retryTimer;
    bool m_retryRelists = false;
    int m_backoffMs = 0;
    QString m_problem; // what is wrong with the Secret's content (missing, no key), empty when fine
    QString m_connectionError;

    QByteArray m_lastContentHash; // of the delivered content
    QByteArray m_pendingContentHash;
    quint64 m_parseSeq = 0;
    int m_relists = 0;
    int m_watches = 0;
    qint64 m_lastLatencyNs = -1;
};

} // namespace certrotor::kube
