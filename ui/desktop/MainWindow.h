// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "GuiSettings.h"
#include "TrustStoreModel.h"
#include "rotation/IncomingAnalysis.h"
#include "rotation/Workspace.h"
#include "sources/BundleCache.h"

#include <QMainWindow>

#include <functional>
#include <memory>

class QAction;
class QLabel;
class QListWidget;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;

namespace certrotor {
class AuditLog;
class Clock;
class Source;
struct SourceUpdate;
} // namespace certrotor

namespace certrotor::gui {

class IncomingView;
class MessageBanner;
class AuditPanel;
class DrillPanel;
class ProbePanel;
class RotatePanel;
class SettingsDialog;
class SecretCatalog;
class SourcesModel;
class TrustStoreView;

/// The console window: stores and sources on the left, the trust store, the incoming preview and the
/// probe panel in the central tabs (room for the commit, audit and drill panels), errors in an inline banner,
/// notifications in the status bar and the tray. Parsing and analysis run off the GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const Clock& clock, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a bundle file as a trust store (parsed off the GUI thread). A file with errors is not
    /// opened: the located errors show in the banner and the current store stays as it was.
    void openStore(const QString& path);
    /// Watches a path (file or directory) or a secret:// spec. Returns false with a readable error. A
    /// secret:// or configmap:// spec is made asynchronously (its kubeconfig is read off the GUI thread):
    /// true means it is on its way; a failure then shows in the banner and as sourceAddFailed().
    bool addSourceSpec(const QString& spec, QString* error = nullptr);
    /// Takes ownership of a source, starts it and follows it (tests hand in their own sources).
    void addSource(Source* source);
    void addInlinePem(const QString& name, const QByteArray& pem);
    /// Reopens the stores and sources of the last session.
    void restoreWorkspace();
    void saveWorkspace();
    void setSecretCatalog(std::unique_ptr<SecretCatalog> catalog);

    int expiryWarningDays() const { return m_workspace->expiryWarningDays(); }
    void setExpiryWarningDays(int days);

    TrustStoreView* trustStoreView() const { return m_storeView; }
    IncomingView* incomingView() const { return m_incomingView; }
    ProbePanel* probePanel() const { return m_probePanel; }
    AuditPanel* auditPanel() const { return m_auditPanel; }
    RotatePanel* rotatePanel() const { return m_rotatePanel; }
    DrillPanel* drillPanel() const { return m_drillPanel; }
    /// Picks up the rotations an earlier run left open (after setAuditLog: their records go there).
    void resumeRotations();
    /// Opens the Drill tab and starts a drill in `sandbox` ("" = a new temporary directory).
    void startDrill(const QString& sandbox = {});
    /// Opens the Drill tab on a kept sandbox's report.
    void showDrillReport(const QString& sandbox);
    /// Opens the settings dialog (window-modal, open(): no nested event loop); applied when accepted.
    SettingsDialog* showSettings();
    /// Applies and persists the settings (what the dialog's OK does).
    void applySettings(const ConsoleSettings& values);
    ConsoleSettings consoleSettings() const;
    /// The first start with an empty workspace offers a drill, once (a banner with a button).
    void offerDrillOnFirstRun();
    SourcesModel* sourcesModel() const { return m_sources; }
    MessageBanner* banner() const { return m_banner; }
    QTabWidget* tabs() const { return m_tabs; }
    QString currentStorePath() const;
    std::shared_ptr<const Bundle> storeBundle() const;
    /// The parse cache shared by the store loader, the store watchers and every source.
    const BundleCache& bundleCache() const { return *m_workspace->bundleCache(); }
    /// The workspace the window and its panels are views over.
    Workspace* workspace() const { return m_workspace; }
    /// The audit log the panels record to (not owned; main.cpp opens one, tests may hand in theirs).
    /// Without one nothing is recorded.
    void setAuditLog(AuditLog* log);
    /// Adds a panel as a central tab (the later probe, commit, audit and drill panels).
    int addPanel(QWidget* panel, const QString& title);

Q_SIGNALS:
    void storeLoaded(const QString& path);
    void storeLoadFailed(const QString& path, const QString& error);
    void incomingReady();
    void sourceRejected(const QString& sourceId, const QString& error);
    /// A secret:// or configmap:// source could not be made (kubeconfig, context, duplicate).
    void sourceAddFailed(const QString& spec, const QString& error);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    struct Store
    {
        QString path;
        StoreSnapshot snapshot;
        bool loaded = false;
    };
    /// What a store load produced on a worker thread: a prepared snapshot or a readable error.
    struct StoreLoad
    {
        QString path;
        QString error;
        StoreSnapshot snapshot;
    };

    void createActions();
    void createLayout();
    void restoreLayout();
    void selectStore(int index);
    void refreshStoreList();
    void reloadCurrentStore();
    void onStoreFileChanged(const QString& path, const SourceUpdate& update);
    /// Runs `work` off the GUI thread with the busy indicator, then applies its result to the store.
    void runStoreLoad(const QString& path, std::function<StoreLoad()> work);
    void applyStoreLoad(const StoreLoad& result);
    void onSourceUpdated(const QString& sourceId, const SourceUpdate& update);
    void showIncoming(const IncomingAnalysis& analysis);
    void notify(const QString& title, const QString& message);
    void updateStatus();
    void chooseStore();
    void chooseFileSource();
    void chooseDirectorySource();
    void chooseSecretSource();
    void pastePem();
    void removeSelectedSource();
    bool adoptSource(std::unique_ptr<Source> source, QString* error);

    const Clock& m_clock;
    GuiSettings m_settings;
    /// The stores' watchers, the sources, the incoming analysis, the candidate, the probe runs and the
    /// audit records (a child of the window).
    Workspace* m_workspace;
    QList<Store> m_stores; // the views' prepared tables
    int m_current = -1;
    std::unique_ptr<SecretCatalog> m_catalog;

    MessageBanner* m_banner = nullptr;
    QTabWidget* m_tabs = nullptr;
    TrustStoreView* m_storeView = nullptr;
    IncomingView* m_incomingView = nullptr;
    ProbePanel* m_probePanel = nullptr;
    AuditPanel* m_auditPanel = nullptr; // made with the first setAuditLog()
    RotatePanel* m_rotatePanel = nullptr;
    DrillPanel* m_drillPanel = nullptr;
    SourcesModel* m_sources = nullptr;
    QTableView* m_sourcesView = nullptr;
    QListWidget* m_storeList = nullptr;
    QLabel* m_statusLabel = nullptr;
    QSystemTrayIcon* m_tray = nullptr;

    QAction* m_openStoreAction = nullptr;
    QAction* m_reloadAction = nullptr;
    QAction* m_watchFileAction = nullptr;
    QAction* m_watchDirAction = nullptr;
    QAction* m_watchSecretAction = nullptr;
    QAction* m_pasteAction = nullptr;
    QAction* m_removeSourceAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_drillAction = nullptr;
    QAction* m_quitAction = nullptr;
};

} // namespace certrotor::gui
