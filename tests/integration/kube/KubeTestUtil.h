// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Helpers shared by the Kubernetes integration tests: an in-process API test server and clients for it,
// async results awaited with a bounded QTest::qWaitFor, and a log capture to prove secrets stay out of logs.

#include "CertFactory.h"
#include "KubeApiServer.h"
#include "TestUtil.h"
#include "kube/KubeClient.h"
#include "kube/Kubeconfig.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

namespace certrotor::test {

/// Every message of every category while alive (certrotor.kube at debug level).
class LogCapture
{
public:
    LogCapture()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("certrotor.kube.debug=true"));
        s_self = this;
        m_previous = qInstallMessageHandler(&LogCapture::handler);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_self = nullptr;
    }
    QString text() const
    {
        QMutexLocker lock(&m_mutex);
        return m_lines.join(QLatin1Char('\n'));
    }
    int lines() const
    {
        QMutexLocker lock(&m_mutex);
        return int(m_lines.size());
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext& ctx, const QString& msg)
    {
        if (s_self) {
            QMutexLocker lock(&s_self->m_mutex);
            s_self->m_lines << msg;
        }
        if (s_self && s_self->m_previous)
            s_self->m_previous(type, ctx, msg);
    }
    static inline LogCapture* s_self = nullptr;
    QtMessageHandler m_previous = nullptr;
    mutable QMutex m_mutex;
    QStringList m_lines;
};

/// A KubeClient for `server` through a kubeconfig file, as a user would have it.
inline kube::KubeClient* clientFor(const KubeApiServer& server, const QTemporaryDir& dir, const QString& context,
                                   QObject* parent, const QByteArray& extraYaml = {})
{
    const QString path = dir.filePath(QStringLiteral("kubeconfig-%1").arg(context));
    QByteArray yaml = server.kubeconfig() + extraYaml;
    if (!writeFile(path, yaml))
        return nullptr;
    auto cfg = kube::Kubeconfig::loadFiles({path});
    if (!cfg.ok())
        qFatal("kubeconfig: %s", qPrintable(cfg.error().text()));
    auto rc = cfg.value().restConfig(context);
    if (!rc.ok())
        qFatal("kubeconfig: %s", qPrintable(rc.error().text()));
    return new kube::KubeClient(rc.value(), parent);
}

template <typename T, typename Start>
kube::KubeResult<T> await(Start start, int timeoutMs = 15000)
{
    // Shared: a late callback after a timeout must not write to a dead stack frame.
    auto out = std::make_shared<std::optional<kube::KubeResult<T>>>();
    start([out](kube::KubeResult<T> r) { *out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out->has_value(); }, timeoutMs);
    if (!out->has_value())
        return {T{}, {kube::KubeError::Kind::Timeout, 0, QStringLiteral("the test gave up waiting")}};
    return **out;
}

} // namespace certrotor::test
