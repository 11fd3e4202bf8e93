// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbePanel.h"

#include "ClientIdentityBox.h"
#include "FileDialog.h"
#include "GuiLog.h"
#include "MessageBanner.h"
#include "ProbeDetailsPane.h"
#include "ProbeResultsModel.h"
#include "ProbeTargetsModel.h"
#include "ProbeVerdictBanner.h"
#include "audit/AuditEvents.h"
#include "audit/AuditLog.h"
#include "rotation/Candidate.h"
#include "ui_ProbePanel.h"
#include "util/AsyncTask.h"
#include "util/Clock.h"
#include "x509/BundleDiff.h"

#include <QAction>
#include <QFileInfo>
#include <QHeaderView>

#include <algorithm>
#include <functional>

namespace certrotor::gui {

namespace {

const QString kTargetsKey = QStringLiteral("probe/targets");

QString countText(const Bundle& bundle)
{
    return QObject::tr("%n certificate(s)", nullptr, int(bundle.entries.size()));
}

} // namespace

ProbePanel::ProbePanel(MessageBanner* banner, QWidget* parent)
    : QWidget(parent), m_ui(std::make_unique<Ui::ProbePanel>()), m_banner(banner)
{
    setObjectName(QStringLiteral("probePanel"));
    setAccessibleName(tr("Probe"));
    m_targets = new ProbeTargetsModel(this);
    m_results = new ProbeResultsModel(this);
    m_targets->setRows(ProbeTargetsModel::rowsFromJson(m_settings.value(kTargetsKey)));
    setUpUi();
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
    m_ui->probeIdentityGroupBox->disconnect(this);
    if (m_plan) {
        m_plan->disconnect(this);
        m_plan->cancel();
    }
}

QTableView* ProbePanel::resultsView() const
{
    return m_ui->probeResultsTableView;
}

QTableView* ProbePanel::targetsView() const
{
    return m_ui->probeTargetsTableView;
}

void ProbePanel::setUpUi()
{
    m_ui->setupUi(this); // the layout (ProbePanel.ui); what follows needs code: shortcuts, icons, models, sizes
    if (!m_banner) {
        m_banner = new MessageBanner(this);
        m_ui->mainLayout->insertWidget(0, m_banner);
    }

    // The actions, also added by the window (menu, any tab); here for the panel on its own.
    m_runAction = new QAction(QIcon(QStringLiteral(":/icons/probe.svg")), tr("&Run probe"), this);
    m_runAction->setObjectName(QStringLiteral("runProbeAction"));
    m_runAction->setShortcut(QKeySequence(tr("Ctrl+R")));
    m_runAction->setToolTip(tr("Probe every target with every bundle (%1)")
                                .arg(m_runAction->shortcut().toString(QKeySequence::NativeText)));
    m_cancelAction = new QAction(tr("&Cancel probe"), this);
    m_cancelAction->setObjectName(QStringLiteral("cancelProbeAction"));
    m_cancelAction->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    m_cancelAction->setToolTip(
        tr("Stop the probes (%1)").arg(m_cancelAction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_runAction, &QAction::triggered, this, [this] { run(); });
    connect(m_cancelAction, &QAction::triggered, this, &ProbePanel::cancel);
    addAction(m_runAction);
    addAction(m_cancelAction);
    m_ui->runProbePushButton->setIcon(m_runAction->icon());
    m_ui->runProbePushButton->setText(
        tr("Run probe (%1)").arg(m_runAction->shortcut().toString(QKeySequence::NativeText)));
    m_ui->runProbePushButton->setToolTip(m_runAction->toolTip());
    m_ui->cancelProbePushButton->setToolTip(m_cancelAction->toolTip());
    connect(m_ui->runProbePushButton, &QPushButton::clicked, m_runAction, &QAction::trigger);
    connect(m_ui->cancelProbePushButton, &QPushButton::clicked, m_cancelAction, &QAction::trigger);

    showVerdict(
        PlanVerdict { PlanVerdict::Kind::Incomplete, tr("No verdict yet: list the targets and run the probe."), {} });
    m_hasVerdict = false;

    // Targets: edited in place; their problems in an error strip under the table.
    QTableView* targets = m_ui->probeTargetsTableView;
    targets->setModel(m_targets);
    targets->verticalHeader()->hide();
    targets->horizontalHeader()->setStretchLastSection(true);
    targets->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed
                             | QAbstractItemView::AnyKeyPressed);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    targets->setColumnWidth(ProbeTargetsModel::AddressColumn, em * 14);
    targets->setColumnWidth(ProbeTargetsModel::ServerNameColumn, em * 10);
    m_ui->probeTargetErrorBanner->setClosable(false);
    m_ui->probeTargetErrorBanner->textLabel()->setObjectName(QStringLiteral("probeTargetErrorLabel"));
    m_ui->probeTargetErrorBanner->textLabel()->setAccessibleName(tr("Target errors"));
    connect(m_ui->addProbeTargetPushButton, &QPushButton::clicked, this, &ProbePanel::addTarget);
    connect(m_ui->removeProbeTargetPushButton, &QPushButton::clicked, this, &ProbePanel::removeSelectedTargets);

    connect(m_ui->chooseCandidatePushButton, &QPushButton::clicked, this, &ProbePanel::chooseCandidateFile);
    connect(m_ui->useIncomingPushButton, &QPushButton::clicked, this, &ProbePanel::useIncomingCandidate);
    connect(m_ui->probeOverlapCheckBox, &QCheckBox::toggled, this, &ProbePanel::invalidateVerdict);

    ClientIdentityBox* identity = m_ui->probeIdentityGroupBox;
    identity->setDialogParent(this); // usable while the form is disabled during a run
    connect(identity, &ClientIdentityBox::inputsChanged, this, &ProbePanel::invalidateVerdict);
    connect(identity, &ClientIdentityBox::identityReady, this, [this](const ClientIdentity& id) {
        if (m_phase == Phase::Identity)
            startPlan(id);
    });
    connect(identity, &ClientIdentityBox::identityFailed, this, [this](const QString& message) {
        if (m_phase == Phase::Identity)
            fail(message);
    });
    connect(identity, &ClientIdentityBox::warning, this,
            [this](const QString& message) { m_banner->showMessage(MessageBanner::Kind::Warning, message); });

    connect(m_ui->probeTimeoutSpinBox, &QSpinBox::valueChanged, this, &ProbePanel::invalidateVerdict);
    connect(m_ui->probeSystemCasCheckBox, &QCheckBox::toggled, this, &ProbePanel::invalidateVerdict);

    // Results, live; short columns fit their contents, the error takes the room that is left (its full
    // text is in the tooltip and the details pane). Plans are small (targets x 2-3 bundles).
    QTableView* results = m_ui->probeResultsTableView;
    results->setModel(m_results);
    results->verticalHeader()->hide();
    for (int column :
         { ProbeResultsModel::TargetColumn, ProbeResultsModel::BundleColumn, ProbeResultsModel::StatusColumn,
           ProbeResultsModel::StageColumn, ProbeResultsModel::TlsColumn, ProbeResultsModel::AlpnColumn,
           ProbeResultsModel::AnchorColumn, ProbeResultsModel::TotalMsColumn })
        results->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    results->horizontalHeader()->setSectionResizeMode(ProbeResultsModel::ErrorColumn, QHeaderView::Stretch);
    results->horizontalHeader()->setMinimumSectionSize(em * 3);
    m_ui->probeResultsSplitter->setStretchFactor(0, 3);
    m_ui->probeResultsSplitter->setStretchFactor(1, 2);
    m_ui->probeSplitter->setStretchFactor(0, 2);
    m_ui->probeSplitter->setStretchFactor(1, 5);
    connect(results->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ProbePanel::showSelectedDetails);
    connect(m_results, &ProbeResultsModel::dataChanged, this, [this](const QModelIndex& from) {
        if (m_ui->probeResultsTableView->currentIndex().row() == from.row())
            showSelectedDetails();
    });
    connect(m_results, &ProbeResultsModel::modelReset, this, &ProbePanel::showSelectedDetails);

    // The identity box's fields sit between the overlap option and the timeout.
    setTabOrder(m_ui->probeOverlapCheckBox, identity->firstInFocusChain());
    setTabOrder(identity->lastInFocusChain(), m_ui->probeTimeoutSpinBox);
}

// --- Targets ---------------------------------------------------------------------------------------

void ProbePanel::addTarget()
{
    const int row = m_targets->addRow();
    const QModelIndex index = m_targets->index(row, ProbeTargetsModel::AddressColumn);
    targetsView()->setCurrentIndex(index);
    targetsView()->setFocus(Qt::OtherFocusReason);
    targetsView()->edit(index);
}

void ProbePanel::removeSelectedTargets()
{
    QList<int> rows;
    for (const QModelIndex& i : targetsView()->selectionModel()->selectedRows())
        rows << i.row();
    if (rows.isEmpty() && targetsView()->currentIndex().isValid())
        rows << targetsView()->currentIndex().row();
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (int row : std::as_const(rows))
        m_targets->removeRows(row, 1);
}

void ProbePanel::showTargetErrors(const QStringList& errors)
{
    if (errors.isEmpty())
        m_ui->probeTargetErrorBanner->clearMessage();
    else
        m_ui->probeTargetErrorBanner->showMessage(MessageBanner::Kind::Error, errors.join(QLatin1Char('\n')));
}

void ProbePanel::updateTargetErrors()
{
    showTargetErrors(m_targets->errors());
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
        return tr(
            "Candidate: none yet. A watched source delivering a new bundle becomes the candidate, or choose a file.");
    if (m_workspace->candidateIsFile())
        return tr("Candidate: file %1 — %2").arg(QFileInfo(c.label).fileName(), countText(*c.bundle));
    return tr("Candidate: incoming from %1 — %2").arg(c.label, countText(*c.bundle));
}

void ProbePanel::updateBundleLabels()
{
    const Workspace::NamedBundle& current = m_workspace->currentStore();
    m_ui->probeCurrentLabel->setText(
        current.bundle ? tr("Current: %1 — %2").arg(QFileInfo(current.label).fileName(), countText(*current.bundle))
                       : tr("Current: no trust store open; only the candidate is probed."));
    m_ui->probeCurrentLabel->setToolTip(current.label);
    m_ui->probeCandidateLabel->setText(
        m_loadingFile.isEmpty() ? candidateDescription() : tr("Reading %1…").arg(QFileInfo(m_loadingFile).fileName()));
    m_ui->probeCandidateLabel->setToolTip(m_workspace->candidate().label);
    m_ui->useIncomingPushButton->setEnabled(m_workspace->candidateIsFile() && m_workspace->incomingBundle().bundle);
    m_ui->probeOverlapCheckBox->setEnabled(current.bundle != nullptr);
}

void ProbePanel::chooseCandidateFile()
{
    const QString path = FileDialog::instance()->getOpenFileName(
        this, tr("Choose the candidate bundle"),
        tr("Certificate bundles (*.pem *.crt *.cer *.der *.p7b);;All files (*)"));
    if (!path.isEmpty())
        loadCandidateFile(path);
}

void ProbePanel::loadCandidateFile(const QString& rawPath)
{
    const QString path = QFileInfo(rawPath).absoluteFilePath();
    m_loadingFile = path;
    updateBundleLabels();
    struct Loaded {
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
            return { std::make_shared<const Bundle>(std::move(b).value()), {} };
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

// --- Running ---------------------------------------------------------------------------------------

bool ProbePanel::run()
{
    if (m_phase != Phase::Idle)
        return false;
    const Result<QList<ProbeTarget>> targets = m_targets->targets();
    if (!targets.ok()) {
        // Inline, next to the rows: the bad row is marked and every problem listed.
        const QStringList errors = m_targets->errors();
        showTargetErrors(errors.isEmpty() ? QStringList { targets.error().message } : errors);
        targetsView()->setFocus(Qt::OtherFocusReason);
        for (int row = 0; row < m_targets->rowCount(); ++row) {
            const ProbeTargetsModel::RowError e = m_targets->rowError(row);
            if (e.isError()) {
                targetsView()->setCurrentIndex(m_targets->index(row, e.column));
                break;
            }
        }
        return false;
    }
    const Workspace::NamedBundle& cand = m_workspace->candidate();
    const Workspace::NamedBundle& current = m_workspace->currentStore();
    if (!cand.bundle) {
        fail(tr("There is no candidate bundle to probe: wait for a watched source to deliver one, or choose a bundle "
                "file."));
        return false;
    }
    const QString identityProblem = m_ui->probeIdentityGroupBox->inputProblem();
    if (!identityProblem.isEmpty()) {
        fail(identityProblem);
        return false;
    }

    m_runTargets = targets.value();
    m_runBundles.clear();
    if (current.bundle)
        m_runBundles << PlanBundle { QStringLiteral("current"), PlanBundle::Role::Current,
                                     current.bundle->certificates() };
    m_runBundles << PlanBundle { QStringLiteral("candidate"), PlanBundle::Role::Candidate,
                                 cand.bundle->certificates() };
    // The overlap exactly as `certrotor-cli overlap` writes it and a rotation stages it (new first), so
    // the bundle SHA-256 probed here is the one of the file that gets committed.
    if (m_ui->probeOverlapCheckBox->isChecked() && current.bundle)
        m_runBundles << PlanBundle {
            QStringLiteral("overlap"), PlanBundle::Role::Candidate,
            buildOverlap(current.bundle->certificates(), cand.bundle->certificates()).certificates
        };
    m_inputsChangedDuringRun = false;
    m_banner->clearMessage();
    if (m_hasVerdict) {
        // A new run supersedes the last verdict: until it ends there is none to gate on.
        m_hasVerdict = false;
        m_verdict = PlanVerdict { PlanVerdict::Kind::Incomplete, tr("a probe run is in progress"), {} };
        Q_EMIT verdictInvalidated();
    }
    // The identity (none, the one in memory, or a load that may ask for a passphrase), then the plan:
    // identityReady starts it, identityFailed ends the run.
    setPhase(Phase::Identity);
    m_ui->probeIdentityGroupBox->acquire();
    return true;
}

void ProbePanel::startPlan(const ClientIdentity& identity)
{
    ProbePlan::Settings settings;
    settings.timeoutMs = m_ui->probeTimeoutSpinBox->value();
    settings.useSystemCas = m_ui->probeSystemCasCheckBox->isChecked();
    settings.clientIdentity = identity;
    settings.sendClientCertificateHeader = m_ui->probeIdentityGroupBox->sendCertificateHeader();
    // The workspace records the run (every probe, then the plan) for the console as for the CLI.
    ProbePlan* plan
        = m_workspace->newProbePlan(QStringLiteral("console probe panel"), m_runTargets, m_runBundles, settings, this);
    m_plan = plan;
    QStringList names;
    for (const PlanBundle& b : std::as_const(m_runBundles))
        names << b.name;
    m_results->startPlan(m_runTargets, names);
    m_ui->probeProgressBar->setRange(0, plan->probeCount());
    m_ui->probeProgressBar->setValue(0);
    m_ui->probeProgressLabel->setText(tr("0 of %1").arg(plan->probeCount()));
    connect(plan, &ProbePlan::probeFinished, this, &ProbePanel::onProbeFinished);
    connect(plan, &ProbePlan::finished, this, &ProbePanel::onPlanFinished);
    setPhase(Phase::Running);
    m_ui->probeVerdictFrame->showRunning(int(m_runTargets.size()), names);
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
    m_ui->probeProgressBar->setValue(m_results->finishedCount());
    m_ui->probeProgressLabel->setText(tr("%1 of %2").arg(m_results->finishedCount()).arg(m_plan->probeCount()));
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
    m_ui->probeProgressBar->setValue(m_results->finishedCount());
    m_ui->probeProgressLabel->setText(tr("%1 of %2").arg(m_results->finishedCount()).arg(plan->probeCount()));
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
    case Phase::Identity:
        m_ui->probeIdentityGroupBox->cancel(); // the load's answer or the dialog's is dropped
        endRun();
        m_ui->probeVerdictFrame->showNoVerdict(tr("Cancelled before any probe ran."));
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
    m_ui->runProbePushButton->setEnabled(idle);
    m_cancelAction->setEnabled(!idle);
    m_ui->cancelProbePushButton->setEnabled(!idle);
    m_ui->probeConfigWidget->setEnabled(idle);
    m_ui->probeProgressBar->setVisible(phase == Phase::Running || m_results->rowCount() > 0);
}

// --- Verdict ---------------------------------------------------------------------------------------

void ProbePanel::showVerdict(const PlanVerdict& verdict)
{
    m_verdict = verdict;
    m_hasVerdict = true;
    m_ui->probeVerdictFrame->showVerdict(verdict);
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
    m_verdict = PlanVerdict { PlanVerdict::Kind::Incomplete,
                              tr("the targets, bundles or options changed since the last run"),
                              {} };
    m_ui->probeVerdictFrame->showNoVerdict(
        tr("No verdict: the targets, bundles or options changed since the last run. Run the probe again."));
    Q_EMIT verdictInvalidated();
}

// --- Details ---------------------------------------------------------------------------------------

void ProbePanel::showSelectedDetails()
{
    const int row = m_ui->probeResultsTableView->currentIndex().row();
    if (row < 0 || row >= m_results->rowCount())
        m_ui->probeDetailsWidget->clear();
    else
        m_ui->probeDetailsWidget->showResult(m_results->result(row), m_results->hasResult(row));
}

QString ProbePanel::detailsText() const
{
    return m_ui->probeDetailsWidget->text();
}

QString ProbePanel::selectedResultJson() const
{
    const int row = m_ui->probeResultsTableView->currentIndex().row();
    if (row < 0 || !m_results->hasResult(row))
        return {};
    return ProbeDetailsPane::jsonOf(m_results->result(row));
}

void ProbePanel::setProbeTimeoutMs(int ms)
{
    m_ui->probeTimeoutSpinBox->setValue(ms);
}

} // namespace certrotor::gui
