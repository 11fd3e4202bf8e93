// SPDX-License-Identifier: GPL-3.0-or-later
#include "ClientIdentityBox.h"

#include "FileDialog.h"
#include "ui_ClientIdentityBox.h"

#include <QFileInfo>
#include <QInputDialog>

namespace certrotor::gui {

ClientIdentityBox::ClientIdentityBox(QWidget* parent)
    : QGroupBox(parent), m_ui(std::make_unique<Ui::ClientIdentityBox>()), m_loader(new IdentityLoader(nullptr, this)),
      m_dialogParent(this)
{
    m_ui->setupUi(this);
    connect(m_ui->clientCertificateBrowsePushButton, &QPushButton::clicked, this,
            [this] { chooseFile(m_ui->clientCertificateLineEdit, tr("Client certificate (PEM or DER)")); });
    connect(m_ui->clientKeyBrowsePushButton, &QPushButton::clicked, this,
            [this] { chooseFile(m_ui->clientKeyLineEdit, tr("Client private key (PEM or DER)")); });
    connect(m_ui->clientCertificateLineEdit, &QLineEdit::textChanged, this, &ClientIdentityBox::forget);
    connect(m_ui->clientKeyLineEdit, &QLineEdit::textChanged, this, &ClientIdentityBox::forget);
    connect(m_ui->sendClientCertificateCheckBox, &QCheckBox::toggled, this, &ClientIdentityBox::inputsChanged);
    connect(m_loader, &IdentityLoader::finished, this, &ClientIdentityBox::onLoaded);
    connect(m_loader, &IdentityLoader::passphraseKept, this,
            [this](const QString& keyPath, bool kept, const QString& error) {
                const QString name = QFileInfo(keyPath).fileName();
                if (kept) {
                    m_ui->probeIdentityLabel->setText(m_ui->probeIdentityLabel->text()
                                                      + tr("; passphrase of %1 kept in the keyring").arg(name));
                    return;
                }
                // Not fatal: the probes run with the identity already loaded.
                Q_EMIT warning(tr("The passphrase of %1 was not kept in the keyring: %2").arg(name, error));
            });
}

ClientIdentityBox::~ClientIdentityBox() = default;

QString ClientIdentityBox::certificatePath() const
{
    return m_ui->clientCertificateLineEdit->text().trimmed();
}

QString ClientIdentityBox::keyPath() const
{
    return m_ui->clientKeyLineEdit->text().trimmed();
}

bool ClientIdentityBox::sendCertificateHeader() const
{
    return m_ui->sendClientCertificateCheckBox->isChecked();
}

QString ClientIdentityBox::inputProblem() const
{
    if (certificatePath().isEmpty() != keyPath().isEmpty())
        return tr("A client identity needs both a certificate and a key file; no probe ran.");
    if (sendCertificateHeader() && certificatePath().isEmpty())
        return tr("Sending x-client-certificate needs a client certificate and key; no probe ran.");
    return {};
}

QWidget* ClientIdentityBox::firstInFocusChain() const
{
    return m_ui->clientCertificateLineEdit;
}

QWidget* ClientIdentityBox::lastInFocusChain() const
{
    return m_ui->rememberPassphraseCheckBox;
}

void ClientIdentityBox::chooseFile(QLineEdit* edit, const QString& caption)
{
    const QString path = FileDialog::instance()->getOpenFileName(
        this, caption, tr("PEM or DER (*.pem *.crt *.key *.der);;All files (*)"));
    if (!path.isEmpty())
        edit->setText(path);
}

void ClientIdentityBox::forget()
{
    m_identity = ClientIdentity(); // another file: load it again
    m_identityFor.clear();
    m_ui->probeIdentityLabel->setText(certificatePath().isEmpty() && keyPath().isEmpty()
                                          ? tr("None: the probes present no client certificate.")
                                          : tr("Loaded when the probe runs."));
    Q_EMIT inputsChanged();
}

void ClientIdentityBox::acquire()
{
    cancel();
    const QString cert = certificatePath();
    if (cert.isEmpty()) {
        m_identity = ClientIdentity();
        m_identityFor.clear();
        m_ui->probeIdentityLabel->setText(tr("None: the probes present no client certificate."));
        Q_EMIT identityReady(ClientIdentity());
        return;
    }
    if (m_identityFor == QString(cert + QLatin1Char('\n') + keyPath()) && !m_identity.isNull()) {
        Q_EMIT identityReady(m_identity);
        return;
    }
    m_busy = true;
    load({});
}

void ClientIdentityBox::cancel()
{
    ++m_seq;
    m_loader->cancel();
    if (m_dialog)
        m_dialog->reject(); // its answer is dropped (m_seq)
    if (m_busy)
        m_ui->probeIdentityLabel->setText(tr("Not loaded: cancelled."));
    m_busy = false;
}

void ClientIdentityBox::load(const QByteArray& passphrase)
{
    IdentityRequest request;
    request.certificatePath = certificatePath();
    request.keyPath = keyPath();
    request.passphrase = passphrase; // the loader's copy is zeroed when the load is over
    request.lookUpKeyring = passphrase.isEmpty();
    request.keepPassphrase = !passphrase.isEmpty() && m_ui->rememberPassphraseCheckBox->isChecked();
    m_ui->probeIdentityLabel->setText(tr("Loading %1…").arg(QFileInfo(request.certificatePath).fileName()));
    m_loader->load(request);
    request.passphrase.fill('\0');
}

void ClientIdentityBox::onLoaded(const IdentityLoad& result)
{
    if (!m_busy)
        return;
    const QString key = keyPath();
    const QString keyName = QFileInfo(key).fileName();
    switch (result.outcome) {
    case IdentityLoad::Outcome::Loaded: {
        m_busy = false;
        m_identity = result.identity;
        m_identityFor = certificatePath() + QLatin1Char('\n') + key;
        QString text = tr("Loaded: %1 (key matches)").arg(m_identity.certificate.subjectDisplayName());
        if (result.passphraseSource == IdentityLoad::PassphraseSource::Keyring)
            text += tr("; passphrase from the keyring");
        m_ui->probeIdentityLabel->setText(text);
        Q_EMIT identityReady(m_identity);
        return;
    }
    case IdentityLoad::Outcome::NeedsPassphrase:
        if (result.passphraseSource == IdentityLoad::PassphraseSource::None) {
            m_ui->probeIdentityLabel->setText(tr("%1 is encrypted: asking for its passphrase.").arg(keyName));
            askForPassphrase(result.keyringLookup == IdentityLoad::KeyringLookup::Unavailable
                                 ? tr("The keyring could not be asked: %1").arg(result.keyringError.message)
                                 : tr("No passphrase is kept in the keyring for it."));
            return;
        }
        break;
    case IdentityLoad::Outcome::WrongPassphrase:
        if (result.passphraseSource == IdentityLoad::PassphraseSource::Keyring) {
            const QString why = tr("the passphrase kept in the keyring for %1 does not decrypt it (%2); remove it with "
                                   "'certrotor-cli keyring forget-passphrase --key %3'")
                                    .arg(keyName, result.error.text(), key);
            failed(tr("Not loaded: %1").arg(why), tr("The client identity was not loaded; no probe ran.\n%1").arg(why));
            return;
        }
        break;
    case IdentityLoad::Outcome::Failed:
        break;
    }
    const QString why = result.error.text();
    failed(tr("Not loaded: %1").arg(why), tr("The client identity was not loaded; no probe ran.\n%1").arg(why));
}

void ClientIdentityBox::askForPassphrase(const QString& keyringNote)
{
    const quint64 seq = m_seq;
    const QString key = keyPath();
    auto* dialog = new QInputDialog(m_dialogParent ? m_dialogParent.data() : this);
    m_dialog = dialog;
    dialog->setObjectName(QStringLiteral("keyPassphraseInputDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Client key passphrase"));
    dialog->setInputMode(QInputDialog::TextInput);
    dialog->setTextEchoMode(QLineEdit::Password);
    dialog->setLabelText(tr("%1 is encrypted. %2\nThe passphrase is used for this load only%3.")
                             .arg(QFileInfo(key).fileName(), keyringNote,
                                  m_ui->rememberPassphraseCheckBox->isChecked() ? tr(", then kept in the keyring")
                                                                                : tr(" and never stored")));
    connect(dialog, &QInputDialog::finished, this, [this, dialog, seq, key](int result) {
        QByteArray passphrase = dialog->textValue().toUtf8();
        dialog->setTextValue(QString());
        if (seq != m_seq || !m_busy) {
            passphrase.fill('\0');
            return;
        }
        if (result != QDialog::Accepted || passphrase.isEmpty()) {
            passphrase.fill('\0');
            failed(tr("Not loaded: %1 is encrypted and no passphrase was given.").arg(QFileInfo(key).fileName()),
                   tr("%1 is encrypted and no passphrase was given; no probe ran.").arg(key));
            return;
        }
        load(passphrase);
        passphrase.fill('\0');
    });
    dialog->open();
}

void ClientIdentityBox::failed(const QString& label, const QString& message)
{
    m_busy = false;
    m_ui->probeIdentityLabel->setText(label);
    Q_EMIT identityFailed(message);
}

} // namespace certrotor::gui
