// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbePanel.h"

#include "FileDialog.h"
#include "GuiLog.h"
#include "MessageBanner.h"
#include "ProbeResultsModel.h"
#include "ProbeTargetsModel.h"
#include "audit/AuditEvents.h"
#include "audit/AuditLog.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "probe/ProbeJson.h"
#include "rotation/Candidate.h"
#include "util/AsyncTask.h"
#include "util/Clock.h"
#include "x509/BundleDiff.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>

namespace certrotor::gui {

namespace {

const QString kTargetsKey = QStringLiteral("probe/targets");

QString countText(const Bundle& bundle)
{
    return QObject::tr("%n certificate(s)", nullptr, int(bundle.entries.size()));
}

QString ms(double v)
{
    return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', 2);
}

/// Everything one result says, for the details pane.
QString detailsOf(const ProbeResult& r)
{
    QStringList l;
    l << r.summary() << QString();
    l << QObject::tr("Target: %1%2%3")
             .arg(r.target.address(),
                  r.target.serverName.isEmpty() ? QString() : QObject::tr(", server name %1").arg(r.target.serverName),
                  r.target.service.isEmpty() ? QObject::tr(", whole server") : QObject::tr(", service %1").arg(r.target.service));
    l << QObject::tr("Bundle: %1, SHA-256 %2").arg(r.bundleName, r.bundleSha256.isEmpty() ? QStringLiteral("-") : r.bundleSha256);
    l << QObject::tr("Probe id: %1").arg(r.probeId);
    if (r.startedAt.isValid())
        l << QObject::tr("Started: %1").arg(r.startedAt.toString(Qt::ISODateWithMs));
    l << QObject::tr("Stage: %1%2").arg(ProbeResult::stageName(r.stage), r.cancelled ? QObject::tr(" (cancelled)") : QString());
    if (!r.error.isEmpty())
        l << QObject::tr("Error: %1").arg(r.error);
    l << QObject::tr("TLS: %1, cipher %2, ALPN %3")
             .arg(r.tlsVersion.isEmpty() ? QStringLiteral("-") : r.tlsVersion, r.cipher.isEmpty() ? QStringLiteral("-") : r.cipher,
                  r.alpn.isEmpty() ? QObject::tr("none") : r.alpn);
    l << QObject::tr("HTTP status %1, gRPC status %2%3, serving status %4")
             .arg(r.httpStatus < 0 ? QStringLiteral("-") : QString::number(r.httpStatus))
             .arg(r.grpcStatus < 0 ? QStringLiteral("-")
                                   : QString(QString::number(r.grpcStatus) + QLatin1Char(' ') + grpcwire::statusCodeName(r.grpcStatus)))
             .arg(r.grpcMessage.isEmpty() ? QString() : QString(QStringLiteral(" (") + r.grpcMessage + QLatin1Char(')')))
             .arg(grpcwire::servingStatusName(r.servingStatus).isEmpty() ? QStringLiteral("-")
                                                                         : grpcwire::servingStatusName(r.servingStatus));
    if (!r.verifyErrors.isEmpty()) {
        l << QString() << QObject::tr("Verify errors:");
        for (const ProbeVerifyError& e : r.verifyErrors) {
            l << QStringLiteral("  [%1] %2").arg(e.kind, e.message);
            if (!e.subject.isEmpty() || !e.sha256.isEmpty())
                l << QObject::tr("      certificate %1, SHA-256 %2").arg(e.subject, e.sha256);
            if (!e.detail.isEmpty())
                l << QObject::tr("      TLS library: %1").arg(e.detail);
        }
    }
    if (!r.peerChain.isEmpty()) {
        l << QString() << QObject::tr("Peer chain as sent (leaf first):");
        for (int i = 0; i < r.peerChain.size(); ++i)
            l << QStringLiteral("  %1: %2  %3").arg(i).arg(r.peerChain[i].info().sha256Hex(), r.peerChain[i].info().subject.rfc4514);
    }
    l << QString();
    l << (r.anchor.isNull() ? QObject::tr("Anchor: none (the chain was not verified against the bundle)")
                            : QObject::tr("Anchor: %1  %2").arg(r.anchor.info().sha256Hex(), r.anchor.info().subject.rfc4514));
    l << QObject::tr("Timings (ms): connect %1, TLS %2, RPC %3, total %4")
             .arg(ms(r.timings.connectMs), ms(r.timings.tlsMs), ms(r.timings.rpcMs), ms(r.timings.totalMs));
    return l.join(QLatin1Char('\n'));
}

/// loadClientIdentity's words for an encrypted key read without a passphrase.
bool needsPassphrase(const Error& error)
{
    return error.message.contains(QLatin1String("encrypted and no passphrase"));
}

QGroupBox* group(const QString& title, const QString& name, QWidget* parent)
{
    auto* g = new QGroupBox(title, parent);
    g->setObjectName(name);
    g->setAccessibleName(QString(title).remove(QLatin1Char('&')));
    return g;
}

} // namespace

ProbePanel::ProbePanel(MessageBanner* banner, QWidget* parent) : QWidget(parent), m_banner(banner)
{
    setObjectName(QStringLiteral("probePanel"));
    setAccessibleName(tr("Probe"));
    m_targets = new ProbeTargetsModel(this);
    m_results = new ProbeResultsModel(this);
    m_targets->setRows(ProbeTargetsModel::rowsFromJson(m_settings.value(kTargetsKey)));
    buildUi();
    // Standalone (tests, a panel without a window) the panel has a workspace of its own; the window
    // hands in its one workspace.
    m_ownWorkspace = new Workspace(Clock::system(), this);
    setWorkspace(m_ownWorkspace);
    updateTargetErrors();
    setPhase(Phase::Idle);

    const auto targetsChanged = [this] {
        updateTargetErrors();
        saveTargets();
        invalidateVerdict();
    };
    connect(m_targets, &ProbeTargetsModel::dataChanged, this, targetsChanged);
    connect(m_targets, &ProbeTargetsModel::rowsInserted, this, targetsChanged);
    connect(m_targets, &ProbeTargetsModel::rowsRemoved, this, targetsChanged);
    connect(m_targets, &ProbeTargetsModel::modelReset, this, targetsChanged);
}

ProbePanel::~ProbePanel()
{
    // An open cell editor commits while the widget goes away: by then this panel's members are gone.
    m_targets->disconnect(this);
    m_results->disconnect(this);
    if (m_plan) {
        m_plan->disconnect(this);
        m_plan->cancel();
    }
}

void ProbePanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    if (!m_banner) {
        m_banner = new MessageBanner(this);
        layout->addWidget(m_banner);
    }

    // Run row: the actions, progress "n of m".
    m_runAction = new QAction(QIcon(QStringLiteral(":/icons/probe.svg")), tr("&Run probe"), this);
    m_runAction->setObjectName(QStringLiteral("runProbeAction"));
    m_runAction->setShortcut(QKeySequence(tr("Ctrl+R")));
    m_runAction->setToolTip(tr("Probe every target with every bundle (%1)").arg(m_runAction->shortcut().toString(QKeySequence::NativeText)));
    m_cancelAction = new QAction(tr("&Cancel probe"), this);
    m_cancelAction->setObjectName(QStringLiteral("cancelProbeAction"));
    m_cancelAction->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    m_cancelAction->setToolTip(tr("Stop the probes (%1)").arg(m_cancelAction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_runAction, &QAction::triggered, this, [this] { run(); });
    connect(m_cancelAction, &QAction::triggered, this, &ProbePanel::cancel);
    addAction(m_runAction); // the window adds them too (menu, any tab); here for the panel on its own
    addAction(m_cancelAction);

    auto* runRow = new QHBoxLayout;
    m_runButton = new QPushButton(m_runAction->icon(), tr("Run probe (%1)").arg(m_runAction->shortcut().toString(QKeySequence::NativeText)), this);
    m_runButton->setObjectName(QStringLiteral("runProbePushButton"));
    m_runButton->setAccessibleName(tr("Run probe"));
    m_runButton->setToolTip(m_runAction->toolTip());
    connect(m_runButton, &QPushButton::clicked, m_runAction, &QAction::trigger);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelProbePushButton"));
    m_cancelButton->setAccessibleName(tr("Cancel probe"));
    m_cancelButton->setToolTip(m_cancelAction->toolTip());
    connect(m_cancelButton, &QPushButton::clicked, m_cancelAction, &QAction::trigger);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("probeProgressBar"));
    m_progress->setAccessibleName(tr("Probe progress"));
    m_progress->setTextVisible(false); // the label beside it says "n of m"
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progressLabel = new QLabel(this);
    m_progressLabel->setObjectName(QStringLiteral("probeProgressLabel"));
    m_progressLabel->setAccessibleName(tr("Probe progress"));
    runRow->addWidget(m_runButton);
    runRow->addWidget(m_cancelButton);
    runRow->addWidget(m_progress, 1);
    runRow->addWidget(m_progressLabel);
    layout->addLayout(runRow);

    // The verdict, prominent: green when the rotation may go on, red when it would break something.
    m_verdictFrame = new QFrame(this);
    m_verdictFrame->setObjectName(QStringLiteral("probeVerdictFrame"));
    m_verdictFrame->setFrameShape(QFrame::StyledPanel);
    auto* verdictLayout = new QVBoxLayout(m_verdictFrame);
    verdictLayout->setContentsMargins(8, 6, 8, 6);
    m_verdictLabel = new QLabel(m_verdictFrame);
    m_verdictLabel->setObjectName(QStringLiteral("probeVerdictLabel"));
    m_verdictLabel->setAccessibleName(tr("Verdict"));
    m_verdictLabel->setWordWrap(true);
    m_verdictLabel->setTextFormat(Qt::PlainText);
    m_verdictLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_verdictLabel->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.2);
    m_verdictLabel->setFont(big);
    m_verdictDetails = new QLabel(m_verdictFrame);
    m_verdictDetails->setObjectName(QStringLiteral("probeVerdictDetailsLabel"));
    m_verdictDetails->setAccessibleName(tr("Verdict details"));
    m_verdictDetails->setWordWrap(true);
    m_verdictDetails->setTextFormat(Qt::PlainText);
    m_verdictDetails->setTextInteractionFlags(Qt::TextSelectableByMouse);
    verdictLayout->addWidget(m_verdictLabel);
    verdictLayout->addWidget(m_verdictDetails);
    layout->addWidget(m_verdictFrame);
    showVerdict(PlanVerdict{PlanVerdict::Kind::Incomplete, tr("No verdict yet: list the targets and run the probe."), {}});
    m_hasVerdict = false;

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("probeSplitter"));

    // Left: what to probe, with what.
    auto* scroll = new QScrollArea(splitter);
    scroll->setObjectName(QStringLiteral("probeConfigScrollArea"));
    scroll->setWidgetResizable(true);
    m_config = new QWidget(scroll);
    auto* config = new QVBoxLayout(m_config);
    config->setContentsMargins(0, 0, 4, 0);

    QGroupBox* targetsBox = group(tr("&Targets"), QStringLiteral("probeTargetsGroupBox"), m_config);
    auto* targetsLayout = new QVBoxLayout(targetsBox);
    m_targetsView = new QTableView(targetsBox);
    m_targetsView->setObjectName(QStringLiteral("probeTargetsTableView"));
    m_targetsView->setAccessibleName(tr("Probe targets"));
    m_targetsView->setModel(m_targets);
    m_targetsView->verticalHeader()->hide();
    m_targetsView->horizontalHeader()->setStretchLastSection(true);
    m_targetsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_targetsView->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed
                                   | QAbstractItemView::AnyKeyPressed);
    m_targetsView->setColumnWidth(ProbeTargetsModel::AddressColumn, fontMetrics().horizontalAdvance(QLatin1Char('M')) * 14);
    m_targetsView->setColumnWidth(ProbeTargetsModel::ServerNameColumn, fontMetrics().horizontalAdvance(QLatin1Char('M')) * 10);
    m_targetErrors = new QLabel(targetsBox);
    m_targetErrors->setObjectName(QStringLiteral("probeTargetErrorLabel"));
    m_targetErrors->setAccessibleName(tr("Target errors"));
    m_targetErrors->setWordWrap(true);
    m_targetErrors->setTextFormat(Qt::PlainText);
    m_targetErrors->setStyleSheet(QStringLiteral("QLabel { background: #b3261e; color: #ffffff; border-radius: 3px; padding: 3px; }"));
    auto* targetButtons = new QHBoxLayout;
    m_addTarget = new QPushButton(tr("&Add target"), targetsBox);
    m_addTarget->setObjectName(QStringLiteral("addProbeTargetPushButton"));
    m_addTarget->setAccessibleName(tr("Add target"));
    m_removeTarget = new QPushButton(tr("Remo&ve"), targetsBox);
    m_removeTarget->setObjectName(QStringLiteral("removeProbeTargetPushButton"));
    m_removeTarget->setAccessibleName(tr("Remove selected targets"));
    targetButtons->addWidget(m_addTarget);
    targetButtons->addWidget(m_removeTarget);
    targetButtons->addStretch();
    targetsLayout->addWidget(m_targetsView);
    targetsLayout->addWidget(m_targetErrors);
    targetsLayout->addLayout(targetButtons);
    connect(m_addTarget, &QPushButton::clicked, this, &ProbePanel::addTarget);
    connect(m_removeTarget, &QPushButton::clicked, this, &ProbePanel::removeSelectedTargets);
    config->addWidget(targetsBox, 1);

    QGroupBox* bundlesBox = group(tr("&Bundles"), QStringLiteral("probeBundlesGroupBox"), m_config);
    auto* bundlesLayout = new QVBoxLayout(bundlesBox);
    m_currentLabel = new QLabel(bundlesBox);
    m_currentLabel->setObjectName(QStringLiteral("probeCurrentLabel"));
    m_currentLabel->setAccessibleName(tr("Current bundle"));
    m_currentLabel->setWordWrap(true);
    m_currentLabel->setTextFormat(Qt::PlainText);
    m_candidateLabel = new QLabel(bundlesBox);
    m_candidateLabel->setObjectName(QStringLiteral("probeCandidateLabel"));
    m_candidateLabel->setAccessibleName(tr("Candidate bundle"));
    m_candidateLabel->setWordWrap(true);
    m_candidateLabel->setTextFormat(Qt::PlainText);
    auto* candidateButtons = new QHBoxLayout;
    m_chooseCandidate = new QPushButton(tr("C&hoose file…"), bundlesBox);
    m_chooseCandidate->setObjectName(QStringLiteral("chooseCandidatePushButton"));
    m_chooseCandidate->setAccessibleName(tr("Choose a candidate bundle file"));
    m_useIncoming = new QPushButton(tr("Use &incoming"), bundlesBox);
    m_useIncoming->setObjectName(QStringLiteral("useIncomingPushButton"));
    m_useIncoming->setAccessibleName(tr("Use the incoming bundle as the candidate"));
    candidateButtons->addWidget(m_chooseCandidate);
    candidateButtons->addWidget(m_useIncoming);
    candidateButtons->addStretch();
    m_overlap = new QCheckBox(tr("Also probe the o&verlap (current + candidate)"), bundlesBox);
    m_overlap->setObjectName(QStringLiteral("probeOverlapCheckBox"));
    m_overlap->setAccessibleName(tr("Also probe the overlap of current and candidate"));
    m_overlap->setToolTip(tr("The union of both bundles: what clients trust while old and new servers run side by side."));
    bundlesLayout->addWidget(m_currentLabel);
    bundlesLayout->addWidget(m_candidateLabel);
    bundlesLayout->addLayout(candidateButtons);
    bundlesLayout->addWidget(m_overlap);
    connect(m_chooseCandidate, &QPushButton::clicked, this, &ProbePanel::chooseCandidateFile);
    connect(m_useIncoming, &QPushButton::clicked, this, &ProbePanel::useIncomingCandidate);
    connect(m_overlap, &QCheckBox::toggled, this, &ProbePanel::invalidateVerdict);
    config->addWidget(bundlesBox);

    QGroupBox* identityBox = group(tr("Client &identity (optional, for mTLS)"), QStringLiteral("probeIdentityGroupBox"), m_config);
    auto* identityLayout = new QFormLayout(identityBox);
    const auto pathRow = [this, identityBox, identityLayout](const QString& label, const QString& name, const QString& caption) {
        auto* edit = new QLineEdit(identityBox);
        edit->setObjectName(QString(name + QStringLiteral("LineEdit")));
        edit->setAccessibleName(QString(label).remove(QLatin1Char('&')));
        edit->setClearButtonEnabled(true);
        auto* browse = new QPushButton(tr("Browse…"), identityBox);
        browse->setObjectName(QString(name + QStringLiteral("BrowsePushButton")));
        browse->setAccessibleName(tr("Browse for the %1").arg(QString(label).remove(QLatin1Char('&')).toLower()));
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(browse);
        auto* rowLabel = new QLabel(label, identityBox);
        rowLabel->setBuddy(edit);
        identityLayout->addRow(rowLabel, row);
        connect(browse, &QPushButton::clicked, this, [this, edit, caption] { chooseIdentityFile(edit, caption); });
        connect(edit, &QLineEdit::textChanged, this, [this] {
            m_identity = ClientIdentity(); // another file: load it again
            m_identityFor.clear();
            m_identityLabel->setText(tr("Loaded when the probe runs."));
            invalidateVerdict();
        });
        return edit;
    };
    m_identityLabel = new QLabel(identityBox);
    m_certPath = pathRow(tr("C&ertificate"), QStringLiteral("clientCertificate"), tr("Client certificate (PEM or DER)"));
    m_keyPath = pathRow(tr("&Key"), QStringLiteral("clientKey"), tr("Client private key (PEM or DER)"));
    m_identityLabel->setObjectName(QStringLiteral("probeIdentityLabel"));
    m_identityLabel->setAccessibleName(tr("Client identity status"));
    m_identityLabel->setWordWrap(true);
    m_identityLabel->setTextFormat(Qt::PlainText);
    m_identityLabel->setText(tr("None: the probes present no client certificate."));
    identityLayout->addRow(m_identityLabel);
    m_sendCertHeader = new QCheckBox(tr("Send x-client-certificate header"), identityBox);
    m_sendCertHeader->setObjectName(QStringLiteral("sendClientCertificateCheckBox"));
    m_sendCertHeader->setAccessibleName(tr("Send the client certificate as the x-client-certificate header"));
    m_sendCertHeader->setToolTip(tr("For servers behind a TLS-terminating proxy: the client leaf as base64 DER."));
    identityLayout->addRow(m_sendCertHeader);
    connect(m_sendCertHeader, &QCheckBox::toggled, this, &ProbePanel::invalidateVerdict);
    m_rememberPassphrase = new QCheckBox(tr("Keep a typed key passphrase in the keyring"), identityBox);
    m_rememberPassphrase->setObjectName(QStringLiteral("rememberPassphraseCheckBox"));
    m_rememberPassphrase->setAccessibleName(tr("Keep a typed key passphrase in the system keyring"));
    m_rememberPassphrase->setToolTip(tr("Once it has decrypted the key, the passphrase is stored in the Secret Service "
                                        "(service \"certrotor\", found by the key file's SHA-256), as "
                                        "'certrotor-cli keyring store-passphrase' does. Never in a file."));
    identityLayout->addRow(m_rememberPassphrase);
    config->addWidget(identityBox);

    QGroupBox* optionsBox = group(tr("&Options"), QStringLiteral("probeOptionsGroupBox"), m_config);
    auto* optionsLayout = new QFormLayout(optionsBox);
    m_timeout = new QSpinBox(optionsBox);
    m_timeout->setObjectName(QStringLiteral("probeTimeoutSpinBox"));
    m_timeout->setAccessibleName(tr("Timeout per probe in milliseconds"));
    m_timeout->setRange(100, 600000);
    m_timeout->setSingleStep(500);
    m_timeout->setValue(5000);
    m_timeout->setSuffix(tr(" ms"));
    m_timeout->setToolTip(tr("The deadline of each call, sent as grpc-timeout and enforced by the probe."));
    optionsLayout->addRow(tr("Ti&meout"), m_timeout);
    m_systemCas = new QCheckBox(tr("Also trust the &system CAs"), optionsBox);
    m_systemCas->setObjectName(QStringLiteral("probeSystemCasCheckBox"));
    m_systemCas->setAccessibleName(tr("Also trust the system's CA certificates"));
    m_systemCas->setToolTip(tr("Off: each probe trusts only the certificates of its bundle."));
    optionsLayout->addRow(m_systemCas);
    connect(m_timeout, &QSpinBox::valueChanged, this, &ProbePanel::invalidateVerdict);
    connect(m_systemCas, &QCheckBox::toggled, this, &ProbePanel::invalidateVerdict);
    config->addWidget(optionsBox);
    scroll->setWidget(m_config);

    // Right: the results, live, and the details of the selected one.
    auto* right = new QSplitter(Qt::Vertical, splitter);
    right->setObjectName(QStringLiteral("probeResultsSplitter"));
    m_resultsView = new QTableView(right);
    m_resultsView->setObjectName(QStringLiteral("probeResultsTableView"));
    m_resultsView->setAccessibleName(tr("Probe results"));
    m_resultsView->setModel(m_results);
    m_resultsView->verticalHeader()->hide();
    m_resultsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_resultsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_resultsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_resultsView->setWordWrap(false);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    // Short columns fit their contents; the error takes the room that is left (its full text is in
    // the tooltip and the details pane). Plans are small (targets x 2-3 bundles), so fitting is cheap.
    for (int column : {ProbeResultsModel::TargetColumn, ProbeResultsModel::BundleColumn, ProbeResultsModel::StatusColumn,
                       ProbeResultsModel::StageColumn, ProbeResultsModel::TlsColumn, ProbeResultsModel::AlpnColumn,
                       ProbeResultsModel::AnchorColumn, ProbeResultsModel::TotalMsColumn})
        m_resultsView->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_resultsView->horizontalHeader()->setSectionResizeMode(ProbeResultsModel::ErrorColumn, QHeaderView::Stretch);
    m_resultsView->horizontalHeader()->setMinimumSectionSize(em * 3);
    auto* detailsBox = new QWidget(right);
    auto* detailsLayout = new QVBoxLayout(detailsBox);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    m_details = new QPlainTextEdit(detailsBox);
    m_details->setObjectName(QStringLiteral("probeDetailsPlainTextEdit"));
    m_details->setAccessibleName(tr("Details of the selected probe"));
    m_details->setReadOnly(true);
    m_details->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_details->setPlaceholderText(tr("Select a result to see everything it found."));
    m_copyJson = new QPushButton(QIcon(QStringLiteral(":/icons/copy.svg")), tr("Copy as &JSON"), detailsBox);
    m_copyJson->setObjectName(QStringLiteral("copyProbeJsonPushButton"));
    m_copyJson->setAccessibleName(tr("Copy the selected result as JSON"));
    m_copyJson->setEnabled(false);
    auto* copyRow = new QHBoxLayout;
    copyRow->addStretch();
    copyRow->addWidget(m_copyJson);
    detailsLayout->addWidget(m_details, 1);
    detailsLayout->addLayout(copyRow);
    right->addWidget(m_resultsView);
    right->addWidget(detailsBox);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    connect(m_resultsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ProbePanel::showSelectedDetails);
    connect(m_results, &ProbeResultsModel::dataChanged, this, [this](const QModelIndex& from) {
        if (m_resultsView->currentIndex().row() == from.row())
            showSelectedDetails();
    });
    connect(m_results, &ProbeResultsModel::modelReset, this, &ProbePanel::showSelectedDetails);
    connect(m_copyJson, &QPushButton::clicked, this, &ProbePanel::copySelectedJson);

    splitter->addWidget(scroll);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    layout->addWidget(splitter, 1);

    setTabOrder(m_runButton, m_cancelButton);
    setTabOrder(m_cancelButton, m_targetsView);
    setTabOrder(m_targetsView, m_addTarget);
    setTabOrder(m_addTarget, m_removeTarget);
    setTabOrder(m_removeTarget, m_chooseCandidate);
    setTabOrder(m_chooseCandidate, m_useIncoming);
    setTabOrder(m_useIncoming, m_overlap);
    setTabOrder(m_overlap, m_certPath);
    setTabOrder(m_certPath, m_keyPath);
    setTabOrder(m_keyPath, m_sendCertHeader);
    setTabOrder(m_sendCertHeader, m_timeout);
    setTabOrder(m_timeout, m_systemCas);
    setTabOrder(m_systemCas, m_resultsView);
    setTabOrder(m_resultsView, m_details);
    setTabOrder(m_details, m_copyJson);
}

// --- Targets ---------------------------------------------------------------------------------------

void ProbePanel::addTarget()
{
    const int row = m_targets->addRow();
    const QModelIndex index = m_targets->index(row, ProbeTargetsModel::AddressColumn);
    m_targetsView->setCurrentIndex(index);
    m_targetsView->setFocus(Qt::OtherFocusReason);
    m_targetsView->edit(index);
}

void ProbePanel::removeSelectedTargets()
{
    QList<int> rows;
    for (const QModelIndex& i : m_targetsView->selectionModel()->selectedRows())
        rows << i.row();
    if (rows.isEmpty() && m_targetsView->currentIndex().isValid())
        rows << m_targetsView->currentIndex().row();
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (int row : std::as_const(rows))
        m_targets->removeRows(row, 1);
}

void ProbePanel::updateTargetErrors()
{
    const QStringList errors = m_targets->errors();
    m_targetErrors->setText(errors.join(QLatin1Char('\n')));
    m_targetErrors->setVisible(!errors.isEmpty());
}

void ProbePanel::saveTargets()
{
    // Addresses, server names and service names only: nothing here is a secret.
    m_settings.setValue(kTargetsKey, m_targets->toJson());
}

// --- Bundles ---------------------------------------------------------------------------------------

void ProbePanel::setWorkspace(Workspace* workspace)
{
    if (m_workspace)
        disconnect(m_workspace, nullptr, this, nullptr);
    if (m_ownWorkspace && workspace != m_ownWorkspace) {
        delete m_ownWorkspace; // never two owners of the candidate and the audit log
        m_ownWorkspace = nullptr;
    }
    m_workspace = workspace;
    connect(workspace, &Workspace::currentStoreChanged, this, [this](bool contentChanged) {
        updateBundleLabels();
        if (contentChanged)
            invalidateVerdict();
    });
    connect(workspace, &Workspace::candidateChanged, this, [this](bool contentChanged) {
        updateBundleLabels();
        if (contentChanged) {
            invalidateVerdict();
            Q_EMIT candidateChanged();
        }
    });
    connect(workspace, &Workspace::auditRefused, this, [this](const QString& error) {
        m_banner->showMessage(MessageBanner::Kind::Warning, tr("An audit record was refused: %1").arg(error));
    });
    connect(workspace, &Workspace::auditWriteFailed, this, [this](const QString& error) {
        m_banner->showMessage(MessageBanner::Kind::Warning, tr("An audit record could not be written: %1").arg(error));
    });
    updateBundleLabels();
}

void ProbePanel::setCurrentBundle(std::shared_ptr<const Bundle> bundle, const QString& label)
{
    m_workspace->setCurrentStore(std::move(bundle), label);
}

void ProbePanel::setIncomingBundle(std::shared_ptr<const Bundle> bundle, const QString& label)
{
    m_workspace->setIncomingBundle(std::move(bundle), label);
}

void ProbePanel::setAuditLog(AuditLog* log)
{
    m_workspace->setAuditLog(log);
}

AuditLog* ProbePanel::auditLog() const
{
    return m_workspace->auditLog();
}

QString ProbePanel::candidateDescription() const
{
    const Workspace::NamedBundle& c = m_workspace->candidate();
    if (!c.bundle)
        return tr("Candidate: none yet. A watched source delivering a new bundle becomes the candidate, or choose a file.");
    if (m_workspace->candidateIsFile())
        return tr("Candidate: file %1 — %2").arg(QFileInfo(c.label).fileName(), countText(*c.bundle));
    return tr("Candidate: incoming from %1 — %2").arg(c.label, countText(*c.bundle));
}

void ProbePanel::updateBundleLabels()
{
    const Workspace::NamedBundle& current = m_workspace->currentStore();
    m_currentLabel->setText(
        current.bundle ? tr("Current: %1 — %2").arg(QFileInfo(current.label).fileName(), countText(*current.bundle))
                       : tr("Current: no trust store open; only the candidate is probed."));
    m_currentLabel->setToolTip(current.label);
    m_candidateLabel->setText(m_loadingFile.isEmpty() ? candidateDescription()
                                                      : tr("Reading %1…").arg(QFileInfo(m_loadingFile).fileName()));
    m_candidateLabel->setToolTip(m_workspace->candidate().label);
    m_useIncoming->setEnabled(m_workspace->candidateIsFile() && m_workspace->incomingBundle().bundle);
    m_overlap->setEnabled(current.bundle != nullptr);
}

void ProbePanel::chooseCandidateFile()
{
    const QString path = FileDialog::instance()->getOpenFileName(
        this, tr("Choose the candidate bundle"), tr("Certificate bundles (*.pem *.crt *.cer *.der *.p7b);;All files (*)"));
    if (!path.isEmpty())
        loadCandidateFile(path);
}

void ProbePanel::loadCandidateFile(const QString& rawPath)
{
    const QString path = QFileInfo(rawPath).absoluteFilePath();
    m_loadingFile = path;
    updateBundleLabels();
    struct Loaded
    {
        std::shared_ptr<const Bundle> bundle;
        QString error;
    };
    runThenCallback(
        this,
        [path]() -> Loaded {
            // The one rule for a candidate, with the words certrotor-cli probe uses for a refusal.
            Result<Bundle> b = certrotor::loadCandidateFile(path);
            if (!b.ok())
                return { nullptr, b.error().text() };
            return {std::make_shared<const Bundle>(std::move(b).value()), {}};
        },
        [this, path](const Loaded& loaded) {
            if (m_loadingFile != path)
                return; // the operator chose another file meanwhile: the latest choice wins
            m_loadingFile.clear();
            if (!loaded.bundle) {
                // A probe with part of a bundle proves nothing: refused whole, the candidate stays.
                qCWarning(lcUi) << "candidate bundle refused:" << path;
                // A refusal of the record shows in the banner (auditRefused).
                static_cast<void>(m_workspace->record(audit::inputRejected(
                    QStringLiteral("console probe panel"), audit::InputKind::File, QStringLiteral("candidate file"),
                    path, loaded.error.split(QLatin1Char('\n')))));
                m_banner->showMessage(MessageBanner::Kind::Error,
                                      tr("%1 was not taken as the candidate; nothing changed.\n%2")
                                          .arg(QFileInfo(path).fileName(), loaded.error));
                updateBundleLabels();
                Q_EMIT candidateLoadFailed(loaded.error);
                return;
            }
            m_workspace->setCandidateFile(loaded.bundle, path); // candidateChanged follows
        });
}

void ProbePanel::useIncomingCandidate()
{
    m_loadingFile.clear(); // a file still being read is no longer wanted
    m_workspace->clearCandidateFile();
}

// --- Client identity -------------------------------------------------------------------------------

void ProbePanel::chooseIdentityFile(QLineEdit* edit, const QString& caption)
{
    const QString path = FileDialog::instance()->getOpenFileName(this, caption, tr("PEM or DER (*.pem *.crt *.key *.der);;All files (*)"));
    if (!path.isEmpty())
        edit->setText(path);
}

void ProbePanel::loadIdentityThenStart(const QByteArray& passphrase, PassphraseOrigin origin)
{
    setPhase(Phase::LoadingIdentity);
    const quint64 seq = m_runSeq;
    const QString cert = m_certPath->text().trimmed();
    const QString key = m_keyPath->text().trimmed();
    const bool keep = origin == PassphraseOrigin::Typed && m_rememberPassphrase->isChecked();
    m_identityLabel->setText(tr("Loading %1…").arg(QFileInfo(cert).fileName()));
    // Reads two files and may run a key derivation: on the pool. The passphrase copy is wiped once
    // it has been used (after the keyring has it, when the operator asked to keep it).
    struct Loaded
    {
        Result<ClientIdentity> identity = Error{};
        QString account; // the keyring account of the key file, when the passphrase is to be kept
    };
    // Zeroed when the last holder lets go, also when the panel dies with the load under way.
    const std::shared_ptr<QByteArray> secret(new QByteArray(passphrase), [](QByteArray* b) {
        b->fill('\0');
        delete b;
    });
    runThenCallback(
        this,
        [cert, key, secret, keep]() {
            Loaded loaded;
            loaded.identity = loadClientIdentity(cert, key, *secret);
            if (keep && loaded.identity.ok()) {
                QFile file(key);
                if (file.open(QIODevice::ReadOnly))
                    loaded.account = keyring::keyPassphraseAccount(file.readAll());
            }
            if (loaded.account.isEmpty())
                secret->fill('\0');
            return loaded;
        },
        [this, seq, cert, key, origin, secret](const Loaded& loaded) {
            const Result<ClientIdentity>& identity = loaded.identity;
            if (seq != m_runSeq || m_phase != Phase::LoadingIdentity) {
                secret->fill('\0');
                return; // cancelled meanwhile
            }
            if (!identity.ok()) {
                secret->fill('\0');
                if (needsPassphrase(identity.error()) && origin == PassphraseOrigin::None) {
                    m_identityLabel->setText(tr("%1 is encrypted: looking for its passphrase.").arg(QFileInfo(key).fileName()));
                    requestKeyPassphrase(key);
                    return;
                }
                QString why = identity.error().text();
                if (origin == PassphraseOrigin::Keyring)
                    why = tr("the passphrase kept in the keyring for %1 does not decrypt it (%2); remove it with "
                             "'certrotor-cli keyring forget-passphrase --key %3'")
                              .arg(QFileInfo(key).fileName(), why, key);
                m_identityLabel->setText(tr("Not loaded: %1").arg(why));
                fail(tr("The client identity was not loaded; no probe ran.\n%1").arg(why));
                return;
            }
            m_identity = identity.value();
            m_identityFor = cert + QLatin1Char('\n') + key;
            QString loadedText = tr("Loaded: %1 (key matches)").arg(m_identity.certificate.subjectDisplayName());
            if (origin == PassphraseOrigin::Keyring)
                loadedText += tr("; passphrase from the keyring");
            m_identityLabel->setText(loadedText);
            if (!loaded.account.isEmpty())
                keepPassphraseInKeyring(key, loaded.account, secret);
            startPlan(m_identity);
        });
}

Keyring* ProbePanel::keyring()
{
    if (!m_keyring)
        m_keyring = new Keyring(this);
    return m_keyring;
}

void ProbePanel::requestKeyPassphrase(const QString& keyPath)
{
    setPhase(Phase::AskingPassphrase);
    const quint64 seq = m_runSeq;
    keyring::readKeyPassphraseFile(keyring(), keyPath, [this, seq, keyPath](Result<std::optional<QByteArray>> found) {
        if (seq != m_runSeq || m_phase != Phase::AskingPassphrase) {
            if (found.ok() && found.value())
                found.value()->fill('\0');
            return;
        }
        if (found.ok() && found.value()) {
            QByteArray passphrase = *found.value();
            found.value()->fill('\0');
            loadIdentityThenStart(passphrase, PassphraseOrigin::Keyring);
            passphrase.fill('\0');
            return;
        }
        const QString note = found.ok()
            ? tr("No passphrase is kept in the keyring for it.")
            : tr("The keyring could not be asked: %1").arg(found.error().message);
        askForKeyPassphrase(keyPath, note);
    });
}

void ProbePanel::askForKeyPassphrase(const QString& keyPath, const QString& keyringNote)
{
    const quint64 seq = m_runSeq;
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("keyPassphraseInputDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Client key passphrase"));
    dialog->setInputMode(QInputDialog::TextInput);
    dialog->setTextEchoMode(QLineEdit::Password);
    dialog->setLabelText(tr("%1 is encrypted. %2\nThe passphrase is used for this load only%3.")
                             .arg(QFileInfo(keyPath).fileName(), keyringNote,
                                  m_rememberPassphrase->isChecked() ? tr(", then kept in the keyring")
                                                                    : tr(" and never stored")));
    connect(dialog, &QInputDialog::finished, this, [this, dialog, seq, keyPath](int result) {
        QByteArray passphrase = dialog->textValue().toUtf8();
        dialog->setTextValue(QString());
        if (seq != m_runSeq || m_phase != Phase::AskingPassphrase) {
            passphrase.fill('\0');
            return;
        }
        if (result != QDialog::Accepted || passphrase.isEmpty()) {
            passphrase.fill('\0');
            m_identityLabel->setText(tr("Not loaded: %1 is encrypted and no passphrase was given.").arg(QFileInfo(keyPath).fileName()));
            fail(tr("%1 is encrypted and no passphrase was given; no probe ran.").arg(keyPath));
            return;
        }
        loadIdentityThenStart(passphrase, PassphraseOrigin::Typed);
        passphrase.fill('\0');
    });
    dialog->open();
}

void ProbePanel::keepPassphraseInKeyring(const QString& keyPath, const QString& account, std::shared_ptr<QByteArray> secret)
{
    const QString name = QFileInfo(keyPath).fileName();
    keyring()->write(account, *secret, [this, secret, name](Result<std::monostate> written) {
        secret->fill('\0');
        if (written.ok()) {
            m_identityLabel->setText(m_identityLabel->text() + tr("; passphrase of %1 kept in the keyring").arg(name));
            return;
        }
        // Not fatal: the probes run with the identity already loaded.
        m_banner->showMessage(MessageBanner::Kind::Warning,
                              tr("The passphrase of %1 was not kept in the keyring: %2").arg(name, written.error().message));
    });
}

// --- Running ---------------------------------------------------------------------------------------

bool ProbePanel::run()
{
    if (m_phase != Phase::Idle)
        return false;
    const Result<QList<ProbeTarget>> targets = m_targets->targets();
    if (!targets.ok()) {
        // Inline, next to the rows: the bad row is marked and every problem listed.
        const QStringList errors = m_targets->errors();
        m_targetErrors->setText(errors.isEmpty() ? targets.error().message : errors.join(QLatin1Char('\n')));
        m_targetErrors->setVisible(true);
        m_targetsView->setFocus(Qt::OtherFocusReason);
        for (int row = 0; row < m_targets->rowCount(); ++row) {
            const ProbeTargetsModel::RowError e = m_targets->rowError(row);
            if (e.isError()) {
                m_targetsView->setCurrentIndex(m_targets->index(row, e.column));
                break;
            }
        }
        return false;
    }
    const Workspace::NamedBundle& cand = m_workspace->candidate();
    const Workspace::NamedBundle& current = m_workspace->currentStore();
    if (!cand.bundle) {
        fail(tr("There is no candidate bundle to probe: wait for a watched source to deliver one, or choose a bundle file."));
        return false;
    }
    const QString cert = m_certPath->text().trimmed();
    const QString key = m_keyPath->text().trimmed();
    if (cert.isEmpty() != key.isEmpty()) {
        fail(tr("A client identity needs both a certificate and a key file; no probe ran."));
        return false;
    }
    if (m_sendCertHeader->isChecked() && cert.isEmpty()) {
        fail(tr("Sending x-client-certificate needs a client certificate and key; no probe ran."));
        return false;
    }

    m_runTargets = targets.value();
    m_runBundles.clear();
    if (current.bundle)
        m_runBundles << PlanBundle { QStringLiteral("current"), PlanBundle::Role::Current,
                                     current.bundle->certificates() };
    m_runBundles << PlanBundle{QStringLiteral("candidate"), PlanBundle::Role::Candidate, cand.bundle->certificates()};
    // The overlap exactly as `certrotor-cli overlap` writes it and a rotation stages it (new first), so
    // the bundle SHA-256 probed here is the one of the file that gets committed.
    if (m_overlap->isChecked() && current.bundle)
        m_runBundles << PlanBundle {
            QStringLiteral("overlap"), PlanBundle::Role::Candidate,
            buildOverlap(current.bundle->certificates(), cand.bundle->certificates()).certificates
        };
    m_inputsChangedDuringRun = false;
    ++m_runSeq;
    m_banner->clearMessage();
    if (m_hasVerdict) {
        // A new run supersedes the last verdict: until it ends there is none to gate on.
        m_hasVerdict = false;
        m_verdict = PlanVerdict{PlanVerdict::Kind::Incomplete, tr("a probe run is in progress"), {}};
        Q_EMIT verdictInvalidated();
    }

    if (cert.isEmpty()) {
        m_identity = ClientIdentity();
        m_identityFor.clear();
        m_identityLabel->setText(tr("None: the probes present no client certificate."));
        startPlan(ClientIdentity());
    } else if (m_identityFor == QString(cert + QLatin1Char('\n') + key) && !m_identity.isNull()) {
        startPlan(m_identity);
    } else {
        loadIdentityThenStart({});
    }
    return true;
}

void ProbePanel::startPlan(const ClientIdentity& identity)
{
    ProbePlan::Settings settings;
    settings.timeoutMs = m_timeout->value();
    settings.useSystemCas = m_systemCas->isChecked();
    settings.clientIdentity = identity;
    settings.sendClientCertificateHeader = m_sendCertHeader->isChecked();
    // The workspace records the run (every probe, then the plan) for the console as for the CLI.
    ProbePlan* plan
        = m_workspace->newProbePlan(QStringLiteral("console probe panel"), m_runTargets, m_runBundles, settings, this);
    m_plan = plan;
    QStringList names;
    for (const PlanBundle& b : std::as_const(m_runBundles))
        names << b.name;
    m_results->startPlan(m_runTargets, names);
    m_progress->setRange(0, plan->probeCount());
    m_progress->setValue(0);
    m_progressLabel->setText(tr("0 of %1").arg(plan->probeCount()));
    connect(plan, &ProbePlan::probeFinished, this, &ProbePanel::onProbeFinished);
    connect(plan, &ProbePlan::finished, this, &ProbePanel::onPlanFinished);
    setPhase(Phase::Running);
    m_verdictLabel->setText(tr("Probing %n target(s)…", nullptr, int(m_runTargets.size())));
    m_verdictDetails->setText(tr("Bundles: %1").arg(names.join(QStringLiteral(", "))));
    m_verdictFrame->setStyleSheet(QStringLiteral("QFrame#probeVerdictFrame { background: #1e4f7a; border-radius: 4px; } QLabel { color: #ffffff; }"));
    qCInfo(lcUi) << "probe plan:" << m_runTargets.size() << "target(s) x" << m_runBundles.size() << "bundle(s)";
    Q_EMIT planStarted(plan->probeCount());
    plan->start(); // asynchronous: bundles are prepared on the pool, probes run on this thread's loop
}

void ProbePanel::onProbeFinished(const ProbeResult& result)
{
    if (!m_plan || sender() != m_plan)
        return;
    const QList<ProbeResult>& all = m_plan->results();
    for (int i = 0; i < all.size(); ++i) {
        if (all[i].probeId == result.probeId) {
            m_results->setResult(i, result);
            break;
        }
    }
    m_progress->setValue(m_results->finishedCount());
    m_progressLabel->setText(tr("%1 of %2").arg(m_results->finishedCount()).arg(m_plan->probeCount()));
}

void ProbePanel::onPlanFinished()
{
    ProbePlan* plan = m_plan;
    if (!plan || sender() != plan)
        return;
    // Probes dropped by a cancel never emit probeFinished: take every slot from the plan.
    const QList<ProbeResult>& all = plan->results();
    for (int i = 0; i < all.size(); ++i) {
        if (!m_results->hasResult(i) && !all[i].probeId.isEmpty())
            m_results->setResult(i, all[i]);
    }
    m_progress->setValue(m_results->finishedCount());
    m_progressLabel->setText(tr("%1 of %2").arg(m_results->finishedCount()).arg(plan->probeCount()));
    const PlanVerdict verdict = plan->verdict();
    m_plan = nullptr;
    plan->deleteLater();
    endRun();
    showVerdict(verdict);
    qCInfo(lcUi) << "probe verdict:" << PlanVerdict::kindName(verdict.kind);
    Q_EMIT planFinished(verdict);
    if (m_inputsChangedDuringRun)
        invalidateVerdict();
}

void ProbePanel::cancel()
{
    switch (m_phase) {
    case Phase::Idle:
        return;
    case Phase::Running:
        if (m_plan)
            m_plan->cancel(); // finished() follows (maybe at once): onPlanFinished ends the run
        return;
    case Phase::LoadingIdentity:
    case Phase::AskingPassphrase:
        ++m_runSeq; // the load's callback or the dialog's answer is dropped
        if (auto* dialog = findChild<QInputDialog*>(QStringLiteral("keyPassphraseInputDialog")))
            dialog->reject();
        m_identityLabel->setText(tr("Not loaded: cancelled."));
        endRun();
        m_verdictLabel->setText(tr("Cancelled before any probe ran."));
        m_verdictDetails->clear();
        m_verdictFrame->setStyleSheet(QStringLiteral("QFrame#probeVerdictFrame { background: #5f6368; border-radius: 4px; } QLabel { color: #ffffff; }"));
        return;
    }
}

void ProbePanel::endRun()
{
    setPhase(Phase::Idle);
}

void ProbePanel::fail(const QString& message)
{
    m_banner->showMessage(MessageBanner::Kind::Error, message);
    if (m_phase != Phase::Idle)
        endRun();
}

void ProbePanel::setPhase(Phase phase)
{
    m_phase = phase;
    const bool idle = phase == Phase::Idle;
    m_runAction->setEnabled(idle);
    m_runButton->setEnabled(idle);
    m_cancelAction->setEnabled(!idle);
    m_cancelButton->setEnabled(!idle);
    m_config->setEnabled(idle);
    m_progress->setVisible(phase == Phase::Running || m_results->rowCount() > 0);
}

// --- Verdict ---------------------------------------------------------------------------------------

void ProbePanel::showVerdict(const PlanVerdict& verdict)
{
    m_verdict = verdict;
    m_hasVerdict = true;
    QString headline;
    const char* style = nullptr;
    switch (verdict.kind) {
    case PlanVerdict::Kind::CandidateWorks:
    case PlanVerdict::Kind::OverlapWorks:
        headline = tr("✔ Passed: ");
        style = "QFrame#probeVerdictFrame { background: #2e7d32; border-radius: 4px; } QLabel { color: #ffffff; }";
        break;
    case PlanVerdict::Kind::CandidateFails:
        headline = tr("✘ Failed: ");
        style = "QFrame#probeVerdictFrame { background: #b3261e; border-radius: 4px; } QLabel { color: #ffffff; }";
        break;
    case PlanVerdict::Kind::Incomplete:
        headline = tr("Incomplete: ");
        style = "QFrame#probeVerdictFrame { background: #5f6368; border-radius: 4px; } QLabel { color: #ffffff; }";
        break;
    }
    m_verdictLabel->setText(headline + verdict.text);
    m_verdictDetails->setText(verdict.details.join(QLatin1Char('\n')));
    m_verdictDetails->setVisible(!verdict.details.isEmpty());
    m_verdictFrame->setStyleSheet(QString::fromLatin1(style));
    m_verdictFrame->setAccessibleDescription(m_verdictLabel->text());
}

void ProbePanel::invalidateVerdict()
{
    if (m_phase != Phase::Idle) {
        m_inputsChangedDuringRun = true;
        return;
    }
    if (!m_hasVerdict)
        return;
    m_hasVerdict = false;
    m_verdict = PlanVerdict{PlanVerdict::Kind::Incomplete, tr("the targets, bundles or options changed since the last run"), {}};
    m_verdictLabel->setText(tr("No verdict: the targets, bundles or options changed since the last run. Run the probe again."));
    m_verdictDetails->clear();
    m_verdictDetails->hide();
    m_verdictFrame->setStyleSheet(QStringLiteral("QFrame#probeVerdictFrame { background: #5f6368; border-radius: 4px; } QLabel { color: #ffffff; }"));
    Q_EMIT verdictInvalidated();
}

// --- Details ---------------------------------------------------------------------------------------

void ProbePanel::showSelectedDetails()
{
    const int row = m_resultsView->currentIndex().row();
    if (row < 0 || row >= m_results->rowCount()) {
        m_details->clear();
        m_copyJson->setEnabled(false);
        return;
    }
    if (!m_results->hasResult(row)) {
        const ProbeResult& r = m_results->result(row);
        m_details->setPlainText(tr("%1 [%2]: running…").arg(r.target.address(), r.bundleName));
        m_copyJson->setEnabled(false);
        return;
    }
    m_details->setPlainText(detailsOf(m_results->result(row)));
    m_copyJson->setEnabled(true);
}

QString ProbePanel::detailsText() const
{
    return m_details->toPlainText();
}

QString ProbePanel::selectedResultJson() const
{
    const int row = m_resultsView->currentIndex().row();
    if (row < 0 || !m_results->hasResult(row))
        return {};
    return QString::fromUtf8(QJsonDocument(json::probeResult(m_results->result(row))).toJson(QJsonDocument::Indented));
}

void ProbePanel::copySelectedJson()
{
    const QString text = selectedResultJson();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void ProbePanel::setProbeTimeoutMs(int ms)
{
    m_timeout->setValue(ms);
}

} // namespace certrotor::gui
