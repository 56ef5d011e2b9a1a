"""Content is edited in Django admin: its forms enforce microlearning and the video allowlist."""

import pytest
from django.urls import reverse
from reversion.models import Version

from training.models import Module, Program, VideoHost

ADD_MODULE = reverse("admin:training_module_add")


def module_form(**overrides) -> dict:
    data = {
        "title": "Handling the pricing objection",
        "summary": "Three moves for “too expensive”.",
        "body": "Ask what they compare us with.",
        "video_url": "",
        "estimated_minutes": "6",
        "tags": "objections, pricing",
        # The quiz inline's management form: no quiz yet.
        "quiz-TOTAL_FORMS": "0",
        "quiz-INITIAL_FORMS": "0",
        "quiz-MIN_NUM_FORMS": "0",
        "quiz-MAX_NUM_FORMS": "1",
        # ... and the programs inline's: in no program yet.
        "program_modules-TOTAL_FORMS": "0",
        "program_modules-INITIAL_FORMS": "0",
    }
    return data | overrides


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_an_admin_adds_a_module_with_tags_and_a_revision(admin_client):
    response = admin_client.post(ADD_MODULE, module_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    module = Module.objects.get()
    assert sorted(module.tags.names()) == ["objections", "pricing"]
    assert Version.objects.get_for_object(module).count() == 1


def test_it_refuses_more_than_ten_minutes_with_a_form_error(admin_client):
    response = admin_client.post(ADD_MODULE, module_form(estimated_minutes="11"))
    assert response.status_code == 200
    assert "estimated_minutes" in response.context["adminform"].form.errors
    assert "less than or equal to 10" in response.content.decode()
    assert not Module.objects.exists()


def test_it_refuses_a_video_from_a_host_not_on_the_allowlist(admin_client):
    VideoHost.objects.create(host="player.vimeo.com")
    response = admin_client.post(ADD_MODULE, module_form(video_url="https://evil.example/embed/1"))
    errors = response.context["adminform"].form.errors
    assert "not on the video host allowlist" in errors["video_url"][0]
    assert not Module.objects.exists()


def test_it_refuses_a_plain_http_video(admin_client):
    VideoHost.objects.create(host="player.vimeo.com")
    response = admin_client.post(ADD_MODULE, module_form(video_url="http://player.vimeo.com/video/1"))
    assert "https" in response.context["adminform"].form.errors["video_url"][0]


def test_it_accepts_a_video_from_an_allowlisted_host(admin_client):
    VideoHost.objects.create(host="player.vimeo.com")
    response = admin_client.post(ADD_MODULE, module_form(video_url="https://player.vimeo.com/video/76979871"))
    assert response.status_code == 302
    assert Module.objects.get().video_url == "https://player.vimeo.com/video/76979871"


def test_a_program_edit_is_a_revision_that_can_be_reverted(admin_client):
    response = admin_client.post(
        reverse("admin:training_program_add"),
        {
            "name": "Onboarding",
            "description": "",
            "target_role": "rep",
            "due_days": "30",
            "onboarding": "on",
            "active": "on",
            "program_modules-TOTAL_FORMS": "0",
            "program_modules-INITIAL_FORMS": "0",
            "program_modules-MIN_NUM_FORMS": "0",
            "program_modules-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    program = Program.objects.get()
    history = admin_client.get(reverse("admin:training_program_history", args=[program.pk]))
    assert history.status_code == 200
    assert Version.objects.get_for_object(program).count() == 1


@pytest.mark.parametrize("host", ["https://player.vimeo.com", "player.vimeo.com/video", "two words"])
def test_a_video_host_must_be_a_bare_host_name(host):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        VideoHost(host=host).full_clean()
