// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"
#include "sources/Source.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace certrotor::kube {

/// Stable codes of what can be wrong with a watched object's content (Error::code): callers and the
/// source itself decide on these, never on the wording.
namespace kubeproblem {
inline const QString absent = QStringLiteral("absent"); // the object does not exist (yet), or was deleted
inline const QString missingKey = QStringLiteral("missing-key"); // the object has no such key
inline const QString badBundle = QStringLiteral("bad-bundle"); // the key holds bad blocks or no certificate
} // namespace kubeproblem

/// One key of a Kubernetes Secret or ConfigMap as a Source (the name stays KubeSecretSource from when
/// it watched Secrets only): the CA material in one key (default `ca.crt`; a ConfigMap key may be in
/// `data` or `binaryData`), followed with list + watch. Lists `metadata.name=NAME` (a GET that also
/// gives a resourceVersion when the object does not exist yet), then watches from that
/// resourceVersion with bookmarks; reconnects with capped exponential backoff and jitter whenever the
/// stream ends or fails, and relists on 410 Gone. The revision of an update is the object's
/// resourceVersion. The key's bytes are parsed through bundleCache() on Source::readPool(); a bundle
/// with bad blocks is delivered (so it can be shown) and puts the source in Status::Error with the
/// located errors.
class KubeSecretSource : public Source
{
    Q_OBJECT
public:
    struct Options {
        int initialBackoffMs = 100;
        int maxBackoffMs = 30000;
        int watchTimeoutSeconds = 300;
        int inactivityTimeoutMs = 0; // 0 = watchTimeoutSeconds + 30 s
    };

    /// `client` is used, not owned (give it this source as parent to tie their lives). `ref.context` is
    /// not looked at: the client is already for one context.
    KubeSecretSource(KubeClient* client, KubeObjectRef ref, Options options, QObject* parent = nullptr);
    ~KubeSecretSource() override;

    /// `secret://[CONTEXT/]NAMESPACE/NAME[#KEY]` or `configmap://…` through the default kubeconfig
    /// ($KUBECONFIG or ~/.kube/config); CONTEXT defaults to the current context. On failure returns
    /// null and sets *error.
    static std::unique_ptr<KubeSecretSource> fromUri(const QString& uri, QString* error);

    QString id() const override;
    QString displayName() const override;
    void start() override;
    void stop() override;

    KubeClient* client() const { return m_client; }
    const KubeObjectRef& ref() const { return m_ref; }
    /// What is wrong with the object's content (code in kubeproblem), empty message when it is fine.
    const Error& problem() const { return m_problem; }
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
    void handleObject(const KubeObject& object, qint64 receivedNs);
    void setProblem(const Error& problem);
    void refreshStatus();
    QString objectLabel() const;

    QPointer<KubeClient> m_client;
    KubeObjectRef m_ref;
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
    Error m_problem; // what is wrong with the object's content, empty message when fine
    QString m_connectionError;

    QByteArray m_lastContentHash; // of the delivered content
    QByteArray m_pendingContentHash;
    quint64 m_parseSeq = 0;
    int m_relists = 0;
    int m_watches = 0;
    qint64 m_lastLatencyNs = -1;
};

} // namespace certrotor::kube
