// SPDX-License-Identifier: GPL-3.0-or-later
#include "MainWindow.h"

#include "AuditPanel.h"
#include "DiffModel.h"
#include "FileDialog.h"
#include "GuiLog.h"
#include "IncomingView.h"
#include "MessageBanner.h"
#include "PastePemDialog.h"
#include "ProbePanel.h"
#include "ProbeTargetsModel.h"
#include "SecretCatalog.h"
#include "SecretPickerDialog.h"
#include "SettingsDialog.h"
#include "SourcesModel.h"
#include "TrustStoreView.h"
#include "drill/DrillPanel.h"
#include "factory/SourceFactory.h"
#include "kube/KubeSecretSource.h"
#include "rotate/RotatePanel.h"
#include "rotation/Candidate.h"
#include "sources/FileSource.h"
#include "sources/InlineSource.h"
#include "util/AsyncTask.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace certrotor::gui {

MainWindow::MainWindow(const Clock& clock, QWidget* parent)
    : QMainWindow(parent), m_clock(clock), m_workspace(new Workspace(clock, this))
{
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("CertRotor"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/certrotor.svg")));
    setAcceptDrops(true);
    m_workspace->setExpiryWarningDays(m_settings.expiryWarningDays());
    m_workspace->setDebounceMs(m_settings.debounceMs());
    m_catalog = makeDefaultSecretCatalog();
    m_sources = new SourcesModel(m_workspace->sources(), this);
    createActions();
    createLayout();
    restoreLayout();
    {
        const ConsoleSettings v = m_settings.console();
        m_probePanel->setProbeTimeoutMs(v.probeTimeoutMs);
        RotatePanel::Options options;
        options.probeTimeoutMs = v.probeTimeoutMs;
        options.confirmDeadlineMs = v.confirmDeadlineSecs * 1000;
        options.backupsKept = v.backupsKept;
        m_rotatePanel->setOptions(options);
    }
    connect(m_workspace, &Workspace::sourceUpdated, this, &MainWindow::onSourceUpdated);
    connect(m_workspace, &Workspace::sourceStatusChanged, this,
            [this](const QString& id, Source::Status status, const QString& error) {
                Source* source = m_workspace->sources()->source(id);
                if (source && status == Source::Status::Error && !error.isEmpty())
                    statusBar()->showMessage(source->displayName() + QStringLiteral(": ") + error, 8000);
            });
    connect(m_workspace, &Workspace::storeFileChanged, this, &MainWindow::onStoreFileChanged);
    connect(m_workspace, &Workspace::incomingAnalyzed, this, &MainWindow::showIncoming);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(QStringLiteral("CertRotor"));
        m_tray->show();
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            showNormal();
            raise();
            activateWindow();
            m_tabs->setCurrentWidget(m_incomingView);
        });
    }
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    const auto make = [this](const QString& text, const QString& icon, const QKeySequence& key, const QString& name) {
        auto* a = new QAction(icon.isEmpty() ? QIcon() : QIcon(icon), text, this);
        a->setObjectName(name);
        a->setShortcut(key);
        QString plain = text;
        plain.remove(QLatin1Char('&')).remove(QChar(0x2026));
        a->setToolTip(plain + QStringLiteral(" (") + key.toString(QKeySequence::NativeText) + QLatin1Char(')'));
        return a;
    };
    m_openStoreAction = make(tr("&Open store…"), QStringLiteral(":/icons/open.svg"), QKeySequence::Open, QStringLiteral("openStoreAction"));
    m_reloadAction = make(tr("&Reload store"), QStringLiteral(":/icons/reload.svg"), QKeySequence(Qt::Key_F5), QStringLiteral("reloadAction"));
    m_watchFileAction = make(tr("Watch &file…"), QStringLiteral(":/icons/file.svg"), QKeySequence(tr("Ctrl+Shift+O")), QStringLiteral("watchFileAction"));
    m_watchDirAction = make(tr("Watch &directory…"), QStringLiteral(":/icons/folder.svg"), QKeySequence(tr("Ctrl+Shift+D")), QStringLiteral("watchDirectoryAction"));
    m_watchSecretAction = make(tr("Watch &Secret…"), QStringLiteral(":/icons/secret.svg"), QKeySequence(tr("Ctrl+Shift+K")), QStringLiteral("watchSecretAction"));
    m_pasteAction = make(tr("&Paste PEM…"), QStringLiteral(":/icons/paste.svg"), QKeySequence(tr("Ctrl+Shift+V")), QStringLiteral("pastePemAction"));
    m_removeSourceAction = make(tr("R&emove source"), QStringLiteral(":/icons/remove.svg"), QKeySequence(tr("Ctrl+Shift+Del")), QStringLiteral("removeSourceAction"));
    m_settingsAction = make(tr("Se&ttings…"), {}, QKeySequence(tr("Ctrl+,")), QStringLiteral("settingsAction"));
    m_drillAction
        = make(tr("Start a &drill"), {}, QKeySequence(tr("Ctrl+Shift+R")), QStringLiteral("startDrillAction"));
    m_quitAction = make(tr("&Quit"), {}, QKeySequence(tr("Ctrl+Q")), QStringLiteral("quitAction"));

    connect(m_openStoreAction, &QAction::triggered, this, &MainWindow::chooseStore);
    connect(m_reloadAction, &QAction::triggered, this, &MainWindow::reloadCurrentStore);
    connect(m_watchFileAction, &QAction::triggered, this, &MainWindow::chooseFileSource);
    connect(m_watchDirAction, &QAction::triggered, this, &MainWindow::chooseDirectorySource);
    connect(m_watchSecretAction, &QAction::triggered, this, &MainWindow::chooseSecretSource);
    connect(m_pasteAction, &QAction::triggered, this, &MainWindow::pastePem);
    connect(m_removeSourceAction, &QAction::triggered, this, &MainWindow::removeSelectedSource);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);
    connect(m_drillAction, &QAction::triggered, this, [this] { startDrill(); });
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openStoreAction);
    file->addAction(m_reloadAction);
    file->addSeparator();
    file->addAction(m_drillAction);
    file->addAction(m_settingsAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu* sources = menuBar()->addMenu(tr("&Sources"));
    sources->addAction(m_watchFileAction);
    sources->addAction(m_watchDirAction);
    sources->addAction(m_watchSecretAction);
    sources->addAction(m_pasteAction);
    sources->addSeparator();
    sources->addAction(m_removeSourceAction);
}

void MainWindow::createLayout()
{
    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_openStoreAction);
    toolbar->addAction(m_reloadAction);
    toolbar->addSeparator();
    toolbar->addAction(m_watchFileAction);
    toolbar->addAction(m_watchDirAction);
    toolbar->addAction(m_watchSecretAction);
    toolbar->addAction(m_pasteAction);

    // Left: the workspace (stores, then sources).
    auto* dock = new QDockWidget(tr("Workspace"), this);
    dock->setObjectName(QStringLiteral("workspaceDockWidget"));
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    auto* dockBody = new QSplitter(Qt::Vertical, dock);
    dockBody->setObjectName(QStringLiteral("workspaceSplitter"));
    auto* storesBox = new QWidget(dockBody);
    auto* storesLayout = new QVBoxLayout(storesBox);
    storesLayout->setContentsMargins(4, 4, 4, 4);
    auto* storesLabel = new QLabel(tr("&Trust stores"), storesBox);
    m_storeList = new QListWidget(storesBox);
    m_storeList->setObjectName(QStringLiteral("storeListWidget"));
    storesLabel->setBuddy(m_storeList);
    storesLayout->addWidget(storesLabel);
    storesLayout->addWidget(m_storeList);
    auto* sourcesBox = new QWidget(dockBody);
    auto* sourcesLayout = new QVBoxLayout(sourcesBox);
    sourcesLayout->setContentsMargins(4, 4, 4, 4);
    auto* sourcesLabel = new QLabel(tr("Watched so&urces"), sourcesBox);
    m_sourcesView = new QTableView(sourcesBox);
    m_sourcesView->setObjectName(QStringLiteral("sourcesTableView"));
    m_sourcesView->setModel(m_sources);
    m_sourcesView->verticalHeader()->hide();
    m_sourcesView->horizontalHeader()->setStretchLastSection(true);
    m_sourcesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sourcesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sourcesView->setWordWrap(false);
    m_sourcesView->addAction(m_removeSourceAction);
    m_sourcesView->setContextMenuPolicy(Qt::ActionsContextMenu);
    sourcesLabel->setBuddy(m_sourcesView);
    auto* sourceButtons = new QHBoxLayout;
    for (QAction* a : {m_watchFileAction, m_watchDirAction, m_watchSecretAction, m_pasteAction, m_removeSourceAction}) {
        auto* b = new QToolButton(sourcesBox);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonIconOnly);
        b->setObjectName(a->objectName() + QStringLiteral("ToolButton"));
        sourceButtons->addWidget(b);
    }
    sourceButtons->addStretch();
    sourcesLayout->addWidget(sourcesLabel);
    sourcesLayout->addWidget(m_sourcesView, 1);
    sourcesLayout->addLayout(sourceButtons);
    auto* dropHint = new QLabel(tr("Drop bundle files or folders here to watch them."), sourcesBox);
    dropHint->setEnabled(false);
    dropHint->setWordWrap(true);
    sourcesLayout->addWidget(dropHint);
    dockBody->addWidget(storesBox);
    dockBody->addWidget(sourcesBox);
    dockBody->setStretchFactor(1, 2);
    dock->setWidget(dockBody);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    resizeDocks({dock}, {fontMetrics().horizontalAdvance(QLatin1Char('M')) * 26}, Qt::Horizontal);
    m_sourcesView->horizontalHeader()->setSectionResizeMode(SourcesModel::NameColumn, QHeaderView::ResizeToContents);
    m_sourcesView->horizontalHeader()->setSectionResizeMode(SourcesModel::StatusColumn, QHeaderView::ResizeToContents);
    m_sourcesView->horizontalHeader()->setSectionResizeMode(SourcesModel::CertificatesColumn, QHeaderView::ResizeToContents);

    // Centre: banner over the tabs.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    m_banner = new MessageBanner(central);
    m_tabs = new QTabWidget(central);
    m_tabs->setObjectName(QStringLiteral("centralTabWidget"));
    m_tabs->setDocumentMode(true);
    m_storeView = new TrustStoreView(m_tabs);
    m_incomingView = new IncomingView(m_tabs);
    m_tabs->addTab(m_storeView, QIcon(QStringLiteral(":/icons/store.svg")), tr("Trust store"));
    m_tabs->addTab(m_incomingView, QIcon(QStringLiteral(":/icons/incoming.svg")), tr("Incoming"));
    // The probe panel proves a candidate against real servers; its errors use the window's banner.
    m_probePanel = new ProbePanel(m_banner, m_tabs);
    m_probePanel->setWorkspace(m_workspace);
    m_tabs->setTabIcon(addPanel(m_probePanel, tr("Probe")), QIcon(QStringLiteral(":/icons/probe.svg")));
    QMenu* probe = menuBar()->addMenu(tr("&Probe"));
    probe->addAction(m_probePanel->runAction());
    probe->addAction(m_probePanel->cancelAction());
    addAction(m_probePanel->runAction()); // Ctrl+R from any tab
    addAction(m_probePanel->cancelAction());
    connect(m_probePanel->runAction(), &QAction::triggered, this, [this] { m_tabs->setCurrentWidget(m_probePanel); });
    // The Rotate tab drives rotation::Rotation over the candidate the Incoming and Probe tabs show.
    m_rotatePanel = new RotatePanel(m_banner, m_tabs);
    m_rotatePanel->setWorkspace(m_workspace);
    m_rotatePanel->setDefaultDestination([this] { return currentStorePath(); });
    m_rotatePanel->setDefaultTargets([this] {
        QStringList specs;
        const auto targets = m_probePanel->targetsModel()->targets();
        if (targets.ok()) {
            for (const ProbeTarget& t : targets.value())
                specs << rotation::targetSpec(t);
        }
        return specs;
    });
    addPanel(m_rotatePanel, tr("Rotate"));
    connect(m_incomingView, &IncomingView::stageRequested, this, [this] {
        m_tabs->setCurrentWidget(m_rotatePanel);
        m_rotatePanel->stageIncoming();
    });
    m_drillPanel = new DrillPanel(m_banner, m_tabs);
    addPanel(m_drillPanel, tr("Drill"));
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    for (int i = 0; i < 9; ++i) {
        auto* tabAction = new QAction(this);
        tabAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(tabAction, &QAction::triggered, this, [this, i] {
            if (i < m_tabs->count())
                m_tabs->setCurrentIndex(i);
        });
        addAction(tabAction);
    }
    auto* findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_storeView);
        m_storeView->filterEdit()->setFocus(Qt::ShortcutFocusReason);
        m_storeView->filterEdit()->selectAll();
    });
    addAction(findAction);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    statusBar()->addPermanentWidget(m_statusLabel);

    connect(m_storeList, &QListWidget::currentRowChanged, this, &MainWindow::selectStore);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (m_tabs->widget(index) == m_incomingView) // seen: drop the "new" mark
            m_tabs->setTabText(index, tr("Incoming"));
    });
    connect(m_sources, &SourcesModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_sources, &SourcesModel::rowsRemoved, this, &MainWindow::updateStatus);
    connect(m_sources, &SourcesModel::dataChanged, this, &MainWindow::updateStatus);

    setTabOrder(m_storeList, m_sourcesView);
    setTabOrder(m_sourcesView, m_tabs);
    setTabOrder(m_tabs, m_storeView->filterEdit());
}

void MainWindow::restoreLayout()
{
    resize(1280, 800);
    const QByteArray geometry = m_settings.value(QStringLiteral("window/geometry"));
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    const QByteArray state = m_settings.value(QStringLiteral("window/state"));
    if (!state.isEmpty())
        restoreState(state);
    const QByteArray storeSplit = m_settings.value(QStringLiteral("window/storeSplitter"));
    if (!storeSplit.isEmpty())
        m_storeView->splitter()->restoreState(storeSplit);
    const QByteArray incomingSplit = m_settings.value(QStringLiteral("window/incomingSplitter"));
    if (!incomingSplit.isEmpty())
        m_incomingView->splitter()->restoreState(incomingSplit);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_drillPanel->stop(); // the drill's helpers go with the window
    m_settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings.setValue(QStringLiteral("window/state"), saveState());
    m_settings.setValue(QStringLiteral("window/storeSplitter"), m_storeView->splitter()->saveState());
    m_settings.setValue(QStringLiteral("window/incomingSplitter"), m_incomingView->splitter()->saveState());
    saveWorkspace();
    m_settings.sync();
    event->accept();
}

void MainWindow::saveWorkspace()
{
    QStringList stores;
    for (const Store& s : std::as_const(m_stores))
        stores << s.path;
    QStringList specs;
    for (Source* s : m_sources->sources()) {
        // Pasted PEM is not persisted; paths and secret:// specs carry no secret.
        if (!s->id().startsWith(QLatin1String("inline:")))
            specs << s->id();
    }
    m_settings.setStores(stores);
    m_settings.setSources(specs);
    m_settings.sync();
}

void MainWindow::restoreWorkspace()
{
    const QStringList stores = m_settings.stores();
    for (const QString& path : stores)
        openStore(path);
    const QStringList specs = m_settings.sources();
    for (const QString& spec : specs) {
        QString error;
        if (!addSourceSpec(spec, &error))
            m_banner->showMessage(MessageBanner::Kind::Warning, error);
    }
}

void MainWindow::setSecretCatalog(std::unique_ptr<SecretCatalog> catalog)
{
    m_catalog = std::move(catalog);
}

QString MainWindow::currentStorePath() const
{
    return m_current >= 0 && m_current < m_stores.size() ? m_stores.at(m_current).path : QString();
}

std::shared_ptr<const Bundle> MainWindow::storeBundle() const
{
    return m_current >= 0 && m_current < m_stores.size() ? m_stores.at(m_current).snapshot.bundle : nullptr;
}

void MainWindow::setAuditLog(AuditLog* log)
{
    m_workspace->setAuditLog(log);
    if (!m_auditPanel) {
        m_auditPanel = new AuditPanel(m_banner, m_tabs);
        addPanel(m_auditPanel, tr("Audit"));
    }
    m_auditPanel->setAuditLog(log);
}

int MainWindow::addPanel(QWidget* panel, const QString& title)
{
    return m_tabs->addTab(panel, title);
}

void MainWindow::openStore(const QString& rawPath)
{
    const QString path = QFileInfo(rawPath).absoluteFilePath();
    int index = -1;
    for (int i = 0; i < m_stores.size(); ++i) {
        if (m_stores.at(i).path == path)
            index = i;
    }
    if (index < 0) {
        m_stores << Store{path, {}, false};
        index = int(m_stores.size()) - 1;
        refreshStoreList();
    }
    const qint64 now = m_clock.nowSecs();
    const int threshold = m_workspace->expiryWarningDays();
    qCInfo(lcUi) << "opening store" << path;
    runStoreLoad(path, [path, now, threshold, cache = m_workspace->bundleCache()]() -> StoreLoad {
        const Result<QByteArray> data = readBundleFile(path);
        if (!data.ok())
            return StoreLoad{path, data.error().text(), {}};
        std::shared_ptr<const Bundle> bundle = cache->parse(data.value(), path);
        if (bundle->hasErrors())
            return StoreLoad{path, bundleErrorsText(*bundle), {}};
        return StoreLoad{path, {}, StoreSnapshot::prepare(std::move(bundle), now, threshold)};
    });
}

void MainWindow::runStoreLoad(const QString& path, std::function<StoreLoad()> work)
{
    m_storeView->setBusy(true, tr("Reading %1…").arg(QFileInfo(path).fileName()));
    runThenCallback(this, std::move(work), [this](const StoreLoad& result) { applyStoreLoad(result); });
}

void MainWindow::applyStoreLoad(const StoreLoad& result)
{
    m_storeView->setBusy(false);
    int i = -1;
    for (int k = 0; k < m_stores.size(); ++k) {
        if (m_stores.at(k).path == result.path)
            i = k;
    }
    if (i < 0)
        return; // closed meanwhile
    if (!result.error.isEmpty()) {
        qCWarning(lcUi) << "store not opened:" << result.path;
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("%1 was not opened as a trust store; nothing changed.\n%2")
                                  .arg(QFileInfo(result.path).fileName(), result.error));
        if (!m_stores.at(i).loaded) {
            m_stores.removeAt(i);
            if (m_current >= i)
                m_current = m_current == i ? -1 : m_current - 1;
            refreshStoreList();
            if (m_current < 0)
                m_workspace->setCurrentStore(nullptr, {});
        }
        Q_EMIT storeLoadFailed(result.path, result.error);
        return;
    }
    m_stores[i].snapshot = result.snapshot;
    m_stores[i].loaded = true;
    m_workspace->watchStore(result.path);
    refreshStoreList();
    if (m_current == i || m_current < 0) {
        m_current = -1; // force a refresh of the view
        m_storeList->setCurrentRow(i);
        selectStore(i);
    }
    statusBar()->showMessage(tr("Opened %1: %n certificate(s)", nullptr, int(result.snapshot.rows.size()))
                                 .arg(QFileInfo(result.path).fileName()),
                             5000);
    Q_EMIT storeLoaded(result.path);
    // The store changed: what is incoming must be judged against it again.
    for (Source* s : m_sources->sources()) {
        if (s->current().bundle)
            m_workspace->analyzeIncoming(s->id());
    }
}

void MainWindow::onStoreFileChanged(const QString& path, const SourceUpdate& update)
{
    // The store file is watched too: when a committer (or anyone) replaces it, the table follows.
    // A new revision is prepared from the bundle the watcher parsed; a bad rewrite is refused like any
    // bad input.
    for (const Store& s : std::as_const(m_stores)) {
        if (QDir::cleanPath(s.path) != path)
            continue;
        const QByteArray loaded = s.snapshot.bundle ? s.snapshot.bundle->contentSha256.toHex() : QByteArray();
        if (update.revision.toLatin1() != loaded && update.bundle) {
            // The watcher already read and parsed the new revision: prepare the table from it
            // rather than reading the file again (which could also see a later revision).
            qCInfo(lcUi) << "store changed on disk" << path;
            const qint64 now = m_clock.nowSecs();
            const int threshold = m_workspace->expiryWarningDays();
            runStoreLoad(s.path, [path = s.path, now, threshold, bundle = update.bundle]() -> StoreLoad {
                if (bundle->hasErrors())
                    return StoreLoad { path, bundleErrorsText(*bundle), {} };
                return StoreLoad { path, {}, StoreSnapshot::prepare(bundle, now, threshold) };
            });
        }
    }
}

void MainWindow::refreshStoreList()
{
    const QSignalBlocker block(m_storeList);
    m_storeList->clear();
    for (const Store& s : std::as_const(m_stores)) {
        auto* item = new QListWidgetItem(QIcon(QStringLiteral(":/icons/store.svg")), QFileInfo(s.path).fileName(), m_storeList);
        item->setToolTip(s.path);
        if (!s.loaded)
            item->setText(item->text() + tr(" (loading…)"));
        else
            item->setText(item->text() + QStringLiteral(" (%1)").arg(s.snapshot.rows.size()));
    }
    if (m_current >= 0)
        m_storeList->setCurrentRow(m_current);
}

void MainWindow::selectStore(int index)
{
    if (index < 0 || index >= m_stores.size() || index == m_current)
        return;
    m_current = index;
    const Store& s = m_stores.at(index);
    if (s.loaded)
        m_storeView->setSnapshot(s.snapshot, s.path);
    m_workspace->setCurrentStore(s.snapshot.bundle, s.path);
    updateStatus();
}

void MainWindow::reloadCurrentStore()
{
    if (m_current >= 0)
        openStore(m_stores.at(m_current).path);
}

void MainWindow::setExpiryWarningDays(int days)
{
    m_workspace->setExpiryWarningDays(days);
    m_settings.setExpiryWarningDays(days);
    for (const Store& s : std::as_const(m_stores))
        openStore(s.path);
}

bool MainWindow::addSourceSpec(const QString& spec, QString* error)
{
    if (kube::KubeObjectRef::looksLike(spec)) {
        // A Secret or ConfigMap: its kubeconfig is read and parsed on the thread pool, never here.
        const Result<kube::KubeObjectRef> ref = kube::KubeObjectRef::parse(spec);
        if (!ref.ok()) {
            if (error)
                *error = ref.error().text();
            return false;
        }
        statusBar()->showMessage(tr("%1: reading the kubeconfig…").arg(spec), 5000);
        createSourceAsync(spec, this, [this, spec](std::unique_ptr<Source> source, const QString& why) {
            if (!source) {
                m_banner->showMessage(MessageBanner::Kind::Warning, tr("%1 is not watched: %2").arg(spec, why));
                Q_EMIT sourceAddFailed(spec, why);
                return;
            }
            QString problem;
            if (!adoptSource(std::move(source), &problem)) {
                m_banner->showMessage(MessageBanner::Kind::Warning, problem);
                Q_EMIT sourceAddFailed(spec, problem);
            }
        });
        return true;
    }
    QString why;
    std::unique_ptr<Source> source = createSource(spec, &why);
    if (!source) {
        if (error)
            *error = why;
        return false;
    }
    return adoptSource(std::move(source), error);
}

bool MainWindow::adoptSource(std::unique_ptr<Source> source, QString* error)
{
    if (m_workspace->sources()->source(source->id())) {
        if (error)
            *error = tr("%1 is already watched.").arg(source->id());
        return false;
    }
    if (auto* secret = qobject_cast<kube::KubeSecretSource*>(source.get()); secret && !secret->warnings().isEmpty())
        m_banner->showMessage(MessageBanner::Kind::Warning, // e.g. insecure-skip-tls-verify: never silent
                              source->id() + QStringLiteral(": ") + secret->warnings().join(QStringLiteral("; ")));
    addSource(source.release());
    return true;
}

void MainWindow::addSource(Source* source)
{
    m_workspace->addSource(source);
}

void MainWindow::addInlinePem(const QString& name, const QByteArray& pem)
{
    QString unique = name;
    for (int n = 2; m_sources->rowOf(QStringLiteral("inline:") + unique) >= 0 && n < 1000; ++n)
        unique = name + QStringLiteral(" %1").arg(n);
    addSource(new InlineSource(unique, pem));
}

void MainWindow::onSourceUpdated(const QString& sourceId, const SourceUpdate& update)
{
    Source* source = m_workspace->sources()->source(sourceId);
    if (!source || !update.bundle)
        return;
    if (update.bundle->entries.isEmpty() && qobject_cast<FileSource*>(source)
        && qobject_cast<FileSource*>(source)->isDirectory()) {
        // An empty watched directory is a normal state (waiting for files), not bad input.
        statusBar()->showMessage(tr("%1: no bundle files yet").arg(source->displayName()), 5000);
        return;
    }
    if (update.bundle->hasErrors()) {
        // Bad input is shown where it is, and is never offered as a candidate for the store.
        const QString text = bundleErrorsText(*update.bundle);
        m_banner->showMessage(MessageBanner::Kind::Error,
                              tr("%1 delivered a bundle with errors; it is not offered for the store, which is unchanged.\n%2")
                                  .arg(source->displayName(), text));
        statusBar()->showMessage(tr("%1: bad bundle").arg(source->displayName()), 8000);
        Q_EMIT sourceRejected(source->id(), text);
        return;
    }
    m_workspace->analyzeIncoming(sourceId);
}

void MainWindow::showIncoming(const IncomingAnalysis& analysis)
{
    if (!analysis.differs()) {
        statusBar()->showMessage(tr("%1 matches the trust store.").arg(analysis.sourceName), 5000);
        return;
    }
    // The workspace made it the incoming candidate already (the probe panel follows).
    m_incomingView->setAnalysis(analysis);
    const int idx = m_tabs->indexOf(m_incomingView);
    m_tabs->setTabText(idx, tr("Incoming •"));
    const QString message = tr("%1: %2 added, %3 removed — see the Incoming tab (Ctrl+2).")
                                .arg(analysis.sourceName)
                                .arg(analysis.diff.added.size())
                                .arg(analysis.diff.removed.size());
    notify(tr("Incoming CA bundle"), message);
    Q_EMIT incomingReady();
}

void MainWindow::notify(const QString& title, const QString& message)
{
    statusBar()->showMessage(title + QStringLiteral(": ") + message, 15000);
    if (m_tray) {
        m_tray->showMessage(title, message, QSystemTrayIcon::Information, 10000);
    } else {
        // No tray (offscreen, some desktops): the banner carries the notification instead.
        m_banner->showMessage(MessageBanner::Kind::Info, title + QStringLiteral(" — ") + message);
    }
}

void MainWindow::updateStatus()
{
    const auto bundle = storeBundle();
    int errors = 0;
    for (Source* s : m_sources->sources()) {
        if (s->status() == Source::Status::Error)
            ++errors;
    }
    m_statusLabel->setText(tr("Store: %1 · %2 source(s)%3")
                               .arg(bundle ? tr("%n cert(s)", nullptr, int(bundle->entries.size())) : tr("none"))
                               .arg(m_sources->rowCount())
                               .arg(errors ? tr(", %1 in error").arg(errors) : QString()));
    const int idx = m_tabs->indexOf(m_storeView);
    m_tabs->setTabToolTip(idx, currentStorePath());
}

ConsoleSettings MainWindow::consoleSettings() const
{
    ConsoleSettings v = m_settings.console();
    v.expiryWarningDays = m_workspace->expiryWarningDays();
    v.debounceMs = m_workspace->debounceMs();
    return v;
}

SettingsDialog* MainWindow::showSettings()
{
    auto* dialog = new SettingsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setValues(consoleSettings());
    connect(dialog, &QDialog::accepted, this, [this, dialog] { applySettings(dialog->values()); });
    dialog->open();
    return dialog;
}

void MainWindow::applySettings(const ConsoleSettings& values)
{
    const int oldDays = m_workspace->expiryWarningDays();
    m_settings.setConsole(values);
    m_workspace->setDebounceMs(values.debounceMs);
    m_probePanel->setProbeTimeoutMs(values.probeTimeoutMs);
    RotatePanel::Options options = m_rotatePanel->options();
    options.probeTimeoutMs = values.probeTimeoutMs;
    options.confirmDeadlineMs = values.confirmDeadlineSecs * 1000;
    options.backupsKept = values.backupsKept;
    m_rotatePanel->setOptions(options);
    m_settings.sync();
    if (values.expiryWarningDays != oldDays)
        setExpiryWarningDays(values.expiryWarningDays);
}

void MainWindow::resumeRotations()
{
    m_rotatePanel->resumeOpen();
}

void MainWindow::startDrill(const QString& sandbox)
{
    m_tabs->setCurrentWidget(m_drillPanel);
    m_drillPanel->setSandboxDir(sandbox);
    m_drillPanel->start();
}

void MainWindow::showDrillReport(const QString& sandbox)
{
    m_drillPanel->showSavedReport(sandbox);
}

void MainWindow::offerDrillOnFirstRun()
{
    if (m_settings.drillOffered() || !m_settings.stores().isEmpty() || !m_settings.sources().isEmpty())
        return;
    m_settings.setDrillOffered(true);
    m_settings.sync();
    m_banner->showMessage(MessageBanner::Kind::Info,
                          tr("New here? A drill rehearses a whole CA rotation — stage, overlap, confirm, retire, roll "
                             "back — against real servers in a throwaway sandbox, in a few seconds. Nothing outside "
                             "the sandbox is touched."),
                          { m_drillAction });
}

void MainWindow::chooseStore()
{
    const QString path = FileDialog::instance()->getOpenFileName(this, tr("Open a trust store"),
                                                                 tr("Certificate bundles (*.pem *.crt *.cer *.der *.p7b);;All files (*)"));
    if (!path.isEmpty())
        openStore(path);
}

void MainWindow::chooseFileSource()
{
    const QString path = FileDialog::instance()->getOpenFileName(this, tr("Watch a bundle file"),
                                                                 tr("Certificate bundles (*.pem *.crt *.cer *.der *.p7b);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !addSourceSpec(path, &error))
        m_banner->showMessage(MessageBanner::Kind::Warning, error);
}

void MainWindow::chooseDirectorySource()
{
    const QString path = FileDialog::instance()->getExistingDirectory(this, tr("Watch a directory of bundles"));
    QString error;
    if (!path.isEmpty() && !addSourceSpec(path, &error))
        m_banner->showMessage(MessageBanner::Kind::Warning, error);
}

void MainWindow::chooseSecretSource()
{
    auto* dialog = new SecretPickerDialog(m_catalog.get(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        QString error;
        if (!dialog->spec().isEmpty() && !addSourceSpec(dialog->spec(), &error))
            m_banner->showMessage(MessageBanner::Kind::Warning, error);
    });
    dialog->open();
}

void MainWindow::pastePem()
{
    auto* dialog = new PastePemDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!dialog->pem().trimmed().isEmpty())
            addInlinePem(dialog->name(), dialog->pem());
    });
    dialog->open();
}

void MainWindow::removeSelectedSource()
{
    const QModelIndex current = m_sourcesView->currentIndex();
    if (current.isValid())
        m_sources->removeSource(current.row());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    QStringList errors;
    for (const QUrl& url : urls) {
        if (!url.isLocalFile())
            continue;
        QString error;
        if (!addSourceSpec(url.toLocalFile(), &error))
            errors << error;
    }
    if (!errors.isEmpty())
        m_banner->showMessage(MessageBanner::Kind::Warning, errors.join(QLatin1Char('\n')));
    event->acceptProposedAction();
}

} // namespace certrotor::gui
