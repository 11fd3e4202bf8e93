// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ClientIdentity.h"
#include "probe/IdentityLoader.h"

#include <QGroupBox>
#include <QPointer>

#include <memory>

class QInputDialog;
class QLineEdit;

namespace Ui {
class ClientIdentityBox;
}

namespace certrotor::gui {

/// The Probe panel's client identity (for mTLS): the certificate and key files, the x-client-certificate
/// option, and the passphrase flow of an encrypted key. The decisions are the core's (IdentityLoader,
/// shared with `certrotor-cli probe`): this box only asks the operator when the loader answers
/// NeedsPassphrase, through a password dialog that is opened, never exec'd. A typed passphrase is used
/// for that load, then wiped; it is kept in the keyring only when the operator ticks the box and only
/// once it has decrypted the key. Never logged, shown or written to settings.
class ClientIdentityBox : public QGroupBox {
    Q_OBJECT
public:
    explicit ClientIdentityBox(QWidget* parent = nullptr);
    ~ClientIdentityBox() override;

    QString certificatePath() const;
    QString keyPath() const;
    bool sendCertificateHeader() const;
    /// "" when the fields make sense together, else why not (the words of the panel's banner).
    QString inputProblem() const;

    /// The parent of the passphrase dialog (the panel, so the dialog stays usable while the box is
    /// disabled during a run). Default: this box.
    void setDialogParent(QWidget* parent) { m_dialogParent = parent; }

    /// Gets the identity for a run and returns at once: no files (an empty identity), the one loaded
    /// before for the same files, or a load (the keyring, else the operator). Exactly one of
    /// identityReady / identityFailed follows, later or at once, unless cancel() comes first.
    void acquire();
    /// Drops the load or the question under way; neither signal follows.
    void cancel();
    bool isBusy() const { return m_busy; }

    QWidget* firstInFocusChain() const;
    QWidget* lastInFocusChain() const;

Q_SIGNALS:
    void identityReady(const certrotor::ClientIdentity& identity);
    /// Nothing was loaded; `message` is for the banner (plain words, never a secret).
    void identityFailed(const QString& message);
    /// The identity loaded but something beside it went wrong (the passphrase was not kept).
    void warning(const QString& message);
    /// A file or the header option changed: a verdict made with the old ones says nothing.
    void inputsChanged();

private:
    void chooseFile(QLineEdit* edit, const QString& caption);
    void forget();
    void load(const QByteArray& passphrase);
    void onLoaded(const IdentityLoad& result);
    void askForPassphrase(const QString& keyringNote);
    void failed(const QString& label, const QString& message);

    std::unique_ptr<Ui::ClientIdentityBox> m_ui;
    IdentityLoader* m_loader = nullptr;
    QPointer<QWidget> m_dialogParent;
    QPointer<QInputDialog> m_dialog;
    quint64 m_seq = 0; // a dialog's late answer after cancel() is dropped
    bool m_busy = false;
    /// The last identity loaded, for the paths it came from: an encrypted key is not asked for again
    /// on every run. Held in memory only; dropped when a path changes.
    ClientIdentity m_identity;
    QString m_identityFor;
};

} // namespace certrotor::gui
