-- A professional as colleagues see them: name, profession and organization, joined once here
-- for every list that shows one (care teams, timelines, projects, messages, the directory,
-- one's own profile). Credentials are not in it.
CREATE VIEW colleagues AS
SELECT p.id, p.name, p.email, p.profession, p.status, p.created_at,
       o.id AS organization_id, o.name AS organization, o.kind AS organization_kind,
       o.municipality_code
FROM professionals p JOIN organizations o ON o.id = p.organization_id;
