// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeDetailsPane.h"

#include "probe/GrpcWire.h"
#include "probe/ProbeJson.h"
#include "ui_ProbeDetailsPane.h"

#include <QApplication>
#include <QClipboard>
#include <QJsonDocument>

namespace certrotor::gui {

namespace {

QString ms(double v)
{
    return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', 2);
}

} // namespace

ProbeDetailsPane::ProbeDetailsPane(QWidget* parent) : QWidget(parent), m_ui(std::make_unique<Ui::ProbeDetailsPane>())
{
    m_ui->setupUi(this);
    m_ui->copyProbeJsonPushButton->setIcon(QIcon(QStringLiteral(":/icons/copy.svg")));
    connect(m_ui->copyProbeJsonPushButton, &QPushButton::clicked, this, &ProbeDetailsPane::copyJson);
}

ProbeDetailsPane::~ProbeDetailsPane() = default;

void ProbeDetailsPane::showResult(const ProbeResult& result, bool finished)
{
    if (!finished) {
        m_result.reset();
        m_ui->probeDetailsPlainTextEdit->setPlainText(
            tr("%1 [%2]: running…").arg(result.target.address(), result.bundleName));
        m_ui->copyProbeJsonPushButton->setEnabled(false);
        return;
    }
    m_result = result;
    m_ui->probeDetailsPlainTextEdit->setPlainText(detailsOf(result));
    m_ui->copyProbeJsonPushButton->setEnabled(true);
}

void ProbeDetailsPane::clear()
{
    m_result.reset();
    m_ui->probeDetailsPlainTextEdit->clear();
    m_ui->copyProbeJsonPushButton->setEnabled(false);
}

QString ProbeDetailsPane::text() const
{
    return m_ui->probeDetailsPlainTextEdit->toPlainText();
}

QString ProbeDetailsPane::jsonOf(const ProbeResult& result)
{
    return QString::fromUtf8(QJsonDocument(json::probeResult(result)).toJson(QJsonDocument::Indented));
}

void ProbeDetailsPane::copyJson()
{
    if (m_result)
        QApplication::clipboard()->setText(jsonOf(*m_result));
}

QString ProbeDetailsPane::detailsOf(const ProbeResult& r)
{
    QStringList l;
    l << r.summary() << QString();
    l << tr("Target: %1%2%3")
             .arg(r.target.address(),
                  r.target.serverName.isEmpty() ? QString() : tr(", server name %1").arg(r.target.serverName),
                  r.target.service.isEmpty() ? tr(", whole server") : tr(", service %1").arg(r.target.service));
    l << tr("Bundle: %1, SHA-256 %2")
             .arg(r.bundleName, r.bundleSha256.isEmpty() ? QStringLiteral("-") : r.bundleSha256);
    l << tr("Probe id: %1").arg(r.probeId);
    if (r.startedAt.isValid())
        l << tr("Started: %1").arg(r.startedAt.toString(Qt::ISODateWithMs));
    l << tr("Stage: %1%2").arg(ProbeResult::stageName(r.stage), r.cancelled ? tr(" (cancelled)") : QString());
    if (!r.error.isEmpty())
        l << tr("Error: %1").arg(r.error);
    l << tr("TLS: %1, cipher %2, ALPN %3")
             .arg(r.tlsVersion.isEmpty() ? QStringLiteral("-") : r.tlsVersion,
                  r.cipher.isEmpty() ? QStringLiteral("-") : r.cipher, r.alpn.isEmpty() ? tr("none") : r.alpn);
    l << tr("HTTP status %1, gRPC status %2%3, serving status %4")
             .arg(r.httpStatus < 0 ? QStringLiteral("-") : QString::number(r.httpStatus))
             .arg(r.grpcStatus < 0 ? QStringLiteral("-")
                                   : QString(QString::number(r.grpcStatus) + QLatin1Char(' ')
                                             + grpcwire::statusCodeName(r.grpcStatus)))
             .arg(r.grpcMessage.isEmpty() ? QString()
                                          : QString(QStringLiteral(" (") + r.grpcMessage + QLatin1Char(')')))
             .arg(grpcwire::servingStatusName(r.servingStatus).isEmpty()
                      ? QStringLiteral("-")
                      : grpcwire::servingStatusName(r.servingStatus));
    if (!r.verifyErrors.isEmpty()) {
        l << QString() << tr("Verify errors:");
        for (const ProbeVerifyError& e : r.verifyErrors) {
            l << QStringLiteral("  [%1] %2").arg(e.kind, e.message);
            if (!e.subject.isEmpty() || !e.sha256.isEmpty())
                l << tr("      certificate %1, SHA-256 %2").arg(e.subject, e.sha256);
            if (!e.detail.isEmpty())
                l << tr("      TLS library: %1").arg(e.detail);
        }
    }
    if (!r.peerChain.isEmpty()) {
        l << QString() << tr("Peer chain as sent (leaf first):");
        for (int i = 0; i < r.peerChain.size(); ++i)
            l << QStringLiteral("  %1: %2  %3")
                     .arg(i)
                     .arg(r.peerChain[i].info().sha256Hex(), r.peerChain[i].info().subject.rfc4514);
    }
    l << QString();
    l << (r.anchor.isNull() ? tr("Anchor: none (the chain was not verified against the bundle)")
                            : tr("Anchor: %1  %2").arg(r.anchor.info().sha256Hex(), r.anchor.info().subject.rfc4514));
    l << tr("Timings (ms): connect %1, TLS %2, RPC %3, total %4")
             .arg(ms(r.timings.connectMs), ms(r.timings.tlsMs), ms(r.timings.rpcMs), ms(r.timings.totalMs));
    return l.join(QLatin1Char('\n'));
}

} // namespace certrotor::gui
