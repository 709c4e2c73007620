"""The investigator's key in the app: a small first-run dialog, and unlocking a protected key.

The first-run dialog does not block: the case opens behind it, and a change made before it
is answered makes the key under the investigator's name (as the command line does); the
answer then renames that key and, with a passphrase, protects it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QWidget,
)

from reviewer.core import keys
from reviewer.core.clock import default_actor
from reviewer.core.errors import ReviewerError


class KeyDialog(QDialog):
    """A name and an optional passphrase: the key that signs everything you record."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your signing key")
        # Not offered as a name: the computer's login is what a package of some incidents
        # must not carry (export refuses a key named so), so a click on OK must not pick it.
        self.login = default_actor()
        self.name = QLineEdit("" if name == self.login else name)
        self.name.setPlaceholderText("Your name, as colleagues know you")
        self.name.setMinimumWidth(self.name.fontMetrics().horizontalAdvance(
            self.name.placeholderText()) + 24)   # the hint was cut off at the default width
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("optional")
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("Everything you record is signed with a key kept on this"
                              " computer, never in a case or package. Your name is shown"
                              " beside every record you sign, to everyone you share with. A"
                              " passphrase protects the key if the computer is lost.")
        self.message.setWordWrap(True)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout(self)
        form.addRow(self.message)
        form.addRow("Name", self.name)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Again", self.again)
        form.addRow(self.error)
        # Cancel: asked again on the next case opened (or New case is not made).
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.identity: keys.Identity | None = None

    def accept(self) -> None:
        name = " ".join(self.name.text().split())
        if not name:
            self.error.setText("A name is needed: colleagues see it beside your key.")
            return
        if name == self.login:
            self.error.setText("That is your login on this computer, which packages you"
                               " share must not carry: give the name colleagues know you by.")
            return
        if self.passphrase.text() != self.again.text():
            self.error.setText("The two passphrases differ.")
            return
        try:
            self.identity = save_key(name, self.passphrase.text() or None)
        except ReviewerError as error:
            self.error.setText(str(error))
            return
        super().accept()


def save_key(name: str, passphrase: str | None) -> keys.Identity:
    """Make the key, or name (and protect) the one a change made meanwhile."""
    if not keys.has_identity():
        identity = keys.create_identity(name, passphrase)
    else:
        identity = keys.load_identity()
        keys.rename_identity(name)
        if passphrase:
            keys.set_passphrase(identity, passphrase)
    # Unlocked for this run: jobs on other threads sign without asking again.
    return keys.load_identity(passphrase)


def unlock_key(parent: QWidget) -> bool:
    """Ask for a protected key's passphrase once per run; False if the user gave up."""
    while True:
        try:
            keys.load_identity()
            return True
        except keys.KeyFileError as error:
            if "passphrase" not in error.reason:
                raise
            text, ok = QInputDialog.getText(
                parent, "Unlock your key", f"{error.reason.capitalize()}.\nPassphrase:",
                QLineEdit.EchoMode.Password)
            if not ok:
                return False
            try:
                keys.load_identity(text)
                return True
            except keys.KeyFileError as again:
                if "wrong passphrase" not in again.reason:
                    raise
