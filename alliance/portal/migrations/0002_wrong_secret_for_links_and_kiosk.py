# The kiosk's record of wrong codes now also counts unknown link tokens, each kind apart.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel(old_name="KioskAttempt", new_name="WrongSecret"),
        migrations.AlterModelOptions(
            name="wrongsecret",
            options={
                "verbose_name": "wrong code or link",
                "verbose_name_plural": "wrong codes and links",
            },
        ),
        migrations.AddField(
            model_name="wrongsecret",
            name="kind",
            field=models.CharField(
                choices=[("kiosk", "Kiosk code"), ("link", "Link token")],
                default="kiosk",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="wrongsecret",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["kiosk", "link"])),
                name="wrong_secret_kind_valid",
            ),
        ),
    ]
